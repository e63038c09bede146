package dev.switchboard.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals provider API keys for storage, so the database never holds one in clear. AES-256-GCM from the JDK,
 * one master key per installation.
 *
 * <p>The master key comes from {@value #MASTER_KEY_ENV} (base64 of 32 bytes) when it is set, otherwise from a
 * key file, by default {@code <data dir>/}{@value #KEY_FILE_NAME}, which is created with owner-only permissions
 * on first use. The file holds the key in the same base64 form as the variable, so an operator can move it
 * into the environment with {@code export SWITCHBOARD_MASTER_KEY=$(cat master.key)}.
 *
 * <p>A sealed key is the text {@code v1:<base64(iv || ciphertext || tag)>}. An optional context (the
 * provider id) is bound in as GCM associated data: it is not stored in the token, but the same context must be
 * given to {@link #unseal(String, String)}, so a sealed key copied to another provider's row will not open.
 *
 * <p>Thread-safe: a {@link Cipher} is made per call, the key and the {@link SecureRandom} are shared.
 */
public final class SecretBox {
    private static final Logger LOG = LoggerFactory.getLogger(SecretBox.class);

    public static final String MASTER_KEY_ENV = "SWITCHBOARD_MASTER_KEY";
    public static final String KEY_FILE_NAME = "master.key";
    /** How an operator makes a key; every error about a bad master key says it. */
    public static final String MAKE_A_KEY = "openssl rand -base64 32";

    static final String CANNOT_DECRYPT =
            "cannot decrypt a stored key: the master key changed or the data is corrupt; restore "
                    + MASTER_KEY_ENV + " / " + KEY_FILE_NAME;
    static final String NOT_V1 = "cannot read a stored key: it is not a v1 sealed token (a key saved in clear, "
            + "or by a newer Switchboard); save the key again so that it is sealed";

    private static final int KEY_BYTES = 32; // AES-256
    /** 96 bits: the nonce length GCM is built for (NIST SP 800-38D); any other length is hashed into one. */
    private static final int IV_BYTES = 12;
    /**
     * Full-length tag. A random 96-bit IV per seal stays safe for about 2^32 seals under one key (SP 800-38D
     * 8.3); keys are sealed when an operator saves one, far below that.
     */
    private static final int TAG_BITS = 128;
    private static final int TAG_BYTES = TAG_BITS / 8;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    /** Must never change for tokens already stored; a new format gets a new prefix and unseal reads both. */
    private static final String V1 = "v1:";
    /** Like OpenSSH with private keys: any group or others bit is refused, since write lets someone swap the key. */
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final SecretKey key;
    /** Where the key came from, for toString and logs; never the key. */
    private final String source;
    private final SecureRandom random;

    private SecretBox(SecretKey key, String source, SecureRandom random) {
        this.key = key;
        this.source = source;
        this.random = random;
    }

    /** {@code <dataDir>/master.key}, where the key file lives unless configured otherwise. */
    public static Path defaultKeyFile(Path dataDir) {
        return dataDir.resolve(KEY_FILE_NAME);
    }

    /**
     * The master key from {@code masterKeyFromEnv} (the value of {@value #MASTER_KEY_ENV}) when it is non-blank,
     * else from {@code keyFile}, which is created if missing.
     *
     * @throws IllegalStateException if the variable or the file does not hold base64 of 32 bytes, or the file
     *         is readable or writable by group or others
     * @throws UncheckedIOException if the key file cannot be read or created
     */
    public static SecretBox open(String masterKeyFromEnv, Path keyFile) {
        SecureRandom random = new SecureRandom();
        if (masterKeyFromEnv != null && !masterKeyFromEnv.isBlank()) {
            return new SecretBox(decodeKey(masterKeyFromEnv, MASTER_KEY_ENV), MASTER_KEY_ENV, random);
        }
        Objects.requireNonNull(keyFile, "keyFile is required when " + MASTER_KEY_ENV + " is not set");
        SecretKey key = Files.exists(keyFile) ? readKeyFile(keyFile) : createKeyFile(keyFile, random);
        return new SecretBox(key, keyFile.toAbsolutePath().toString(), random);
    }

    /** Seals with no context; open with {@link #unseal(String)}. */
    public String seal(Secret secret) {
        return seal(secret, "");
    }

    /**
     * {@code v1:<base64(iv || ciphertext || tag)>} with a fresh random IV, so sealing one key twice gives two
     * different tokens. {@code context} (e.g. the provider id) must be given again to unseal.
     */
    public String seal(Secret secret, String context) {
        Objects.requireNonNull(secret, "secret is required; Secret.of returns null for a blank key, check before sealing");
        Objects.requireNonNull(context, "context is required; pass \"\" for none");
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        byte[] plain = secret.reveal().getBytes(StandardCharsets.UTF_8);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, iv, context);
            ByteBuffer out = ByteBuffer.allocate(IV_BYTES + cipher.getOutputSize(plain.length));
            out.put(iv);
            cipher.doFinal(ByteBuffer.wrap(plain), out);
            return V1 + Base64.getEncoder().encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            // AES-GCM is in every JDK since 8; reaching this means a broken or stripped runtime.
            throw new IllegalStateException("cannot seal a key: this JDK lacks " + TRANSFORMATION, e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** Opens a token sealed with no context. */
    public Secret unseal(String sealed) {
        return unseal(sealed, "");
    }

    /**
     * Opens a token from {@link #seal(Secret, String)} with the same context.
     *
     * @throws IllegalStateException if the token is not v1, is corrupt, was sealed under another master key or
     *         with another context. The message names the context, never the token or the key.
     */
    public Secret unseal(String sealed, String context) {
        Objects.requireNonNull(context, "context is required; pass \"\" for none");
        if (sealed == null || !sealed.startsWith(V1)) {
            throw new IllegalStateException(NOT_V1 + where(context));
        }
        byte[] payload;
        try {
            payload = Base64.getDecoder().decode(sealed.substring(V1.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(CANNOT_DECRYPT + where(context));
        }
        if (payload.length < IV_BYTES + TAG_BYTES) {
            throw new IllegalStateException(CANNOT_DECRYPT + where(context));
        }
        byte[] plain = null;
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, Arrays.copyOf(payload, IV_BYTES), context);
            plain = cipher.doFinal(payload, IV_BYTES, payload.length - IV_BYTES);
            return Secret.of(new String(plain, StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            // AEADBadTagException: wrong key, wrong context or changed bytes; GCM cannot tell which.
            throw new IllegalStateException(CANNOT_DECRYPT + where(context), e);
        } finally {
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
    }

    @Override
    public String toString() {
        return "SecretBox[AES-256-GCM, master key from " + source + "]";
    }

    private Cipher cipher(int mode, byte[] iv, String context) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance(TRANSFORMATION);
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    private static String where(String context) {
        return context.isEmpty() ? "" : " (context: " + context + ")";
    }

    /** Base64 of exactly 32 bytes; the messages never echo the value. */
    private static SecretKey decodeKey(String base64, String origin) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(origin + " is not valid base64; it must be base64 of " + KEY_BYTES
                    + " random bytes, make one with `" + MAKE_A_KEY + "`");
        }
        try {
            if (raw.length != KEY_BYTES) {
                throw new IllegalStateException(origin + " must be base64 of " + KEY_BYTES + " bytes, got "
                        + raw.length + " bytes; make one with `" + MAKE_A_KEY + "`");
            }
            return new SecretKeySpec(raw, "AES"); // copies raw
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static SecretKey readKeyFile(Path keyFile) {
        if (supportsPosix(keyFile)) {
            Set<PosixFilePermission> perms;
            try {
                perms = Files.getPosixFilePermissions(keyFile);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the permissions of master key file " + keyFile
                        + "; check that the gateway's user can access it", e);
            }
            if (!Collections.disjoint(perms, GROUP_OR_OTHERS)) {
                throw new IllegalStateException("master key file " + keyFile + " has permissions "
                        + PosixFilePermissions.toString(perms) + ", which let group or others read or change it; "
                        + "run `chmod 600 " + keyFile + "`, and if others could read it, rotate the master key");
            }
        }
        try {
            return decodeKey(Files.readString(keyFile, StandardCharsets.US_ASCII), "master key file " + keyFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read master key file " + keyFile
                    + "; check that the gateway's user can read it, or set " + MASTER_KEY_ENV, e);
        }
    }

    /**
     * Writes a temp file with owner-only permissions beside the target and then links it into place. A link
     * fails if the target exists, unlike a rename, which would replace it: when two gateways sharing a data dir
     * start for the first time, one key wins and the other gateway reads it, instead of each sealing with a
     * key that only one of them kept.
     */
    private static SecretKey createKeyFile(Path keyFile, SecureRandom random) {
        Path dir = keyFile.toAbsolutePath().getParent();
        byte[] raw = new byte[KEY_BYTES];
        random.nextBytes(raw);
        byte[] text = (Base64.getEncoder().encodeToString(raw) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            boolean posix = supportsPosix(dir);
            tmp = posix
                    ? Files.createTempFile(dir, KEY_FILE_NAME + ".", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                    : Files.createTempFile(dir, KEY_FILE_NAME + ".", ".tmp");
            if (posix) {
                Files.setPosixFilePermissions(tmp, OWNER_ONLY); // the umask may have narrowed it; never widened
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(text));
                ch.force(true); // a key lost in a crash makes every stored provider key unreadable
            }
            try {
                Files.createLink(keyFile, tmp);
            } catch (FileAlreadyExistsException raced) {
                return readKeyFile(keyFile); // another process created it first; use its key
            } catch (UnsupportedOperationException | IOException noLinks) {
                if (Files.exists(keyFile)) {
                    return readKeyFile(keyFile);
                }
                // File systems without hard links: a rename is still atomic, just not exclusive.
                Files.move(tmp, keyFile, StandardCopyOption.ATOMIC_MOVE);
            }
            LOG.info("created master key file {} (owner-only); back it up, without it stored provider keys "
                    + "cannot be decrypted", keyFile.toAbsolutePath());
            return new SecretKeySpec(raw, "AES");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create master key file " + keyFile + "; make " + dir
                    + " writable by the gateway's user, or set " + MASTER_KEY_ENV + " (make one with `"
                    + MAKE_A_KEY + "`)", e);
        } finally {
            Arrays.fill(raw, (byte) 0);
            Arrays.fill(text, (byte) 0);
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // only a leftover owner-only temp file; the key file itself is in place
                }
            }
        }
    }

    private static boolean supportsPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
