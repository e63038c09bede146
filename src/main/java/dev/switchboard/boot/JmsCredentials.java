package dev.switchboard.boot;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one user of the embedded JMS broker: from {@value #USER_ENV} / {@value #PASSWORD_ENV}, or generated on
 * the first start into {@code <data dir>/}{@value #FILE_NAME} (owner-only) and printed once in the log, like
 * the first admin token. Agents in other processes connect with it; so does the gateway's own in-VM client.
 */
public record JmsCredentials(String user, String password) {
    private static final Logger LOG = LoggerFactory.getLogger(JmsCredentials.class);
    public static final String USER_ENV = "SWITCHBOARD_JMS_USER";
    public static final String PASSWORD_ENV = "SWITCHBOARD_JMS_PASSWORD";
    public static final String FILE_NAME = "jms.credentials";
    static final String GENERATED_USER = "switchboard";
    /** 24 random bytes, hex: as strong as the admin tokens. */
    private static final int PASSWORD_BYTES = 24;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    /** The password stays out of logs and exception messages. */
    @Override
    public String toString() {
        return "JmsCredentials[user=" + user + "]";
    }

    /**
     * The credentials from the environment when both variables are set, else those of the data dir's file,
     * which is created on the first start.
     *
     * @throws IllegalArgumentException if only one of the two variables is set
     */
    public static JmsCredentials resolve(Map<String, String> env, Path dataDir) {
        JmsCredentials given = fromEnv(env, "the gateway generates them into " + dataDir.resolve(FILE_NAME));
        if (given != null) {
            LOG.info("JMS broker: clients authenticate as '{}' (from {} / {})", given.user(), USER_ENV, PASSWORD_ENV);
            return given;
        }
        Path file = dataDir.resolve(FILE_NAME);
        return Files.exists(file) ? read(file) : create(file);
    }

    /**
     * The credentials of the environment, null when neither variable is set; {@code otherwise} says what happens
     * then, for the error when only one is set.
     *
     * @throws IllegalArgumentException if only one of the two variables is set
     */
    public static JmsCredentials fromEnv(Map<String, String> env, String otherwise) {
        String user = blankToNull(env.get(USER_ENV));
        String password = blankToNull(env.get(PASSWORD_ENV));
        if (user != null && password != null) {
            return new JmsCredentials(user, password);
        }
        if (user != null || password != null) {
            throw new IllegalArgumentException("set both " + USER_ENV + " and " + PASSWORD_ENV + ", or neither (then " + otherwise + ")");
        }
        return null;
    }

    private static JmsCredentials read(Path file) {
        Properties p = new Properties();
        try {
            refuseIfSharedWithOthers(file);
            p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the JMS credentials file " + file + "; check that the gateway's "
                    + "user can read it, or set " + USER_ENV + " and " + PASSWORD_ENV, e);
        }
        String user = blankToNull(p.getProperty("user"));
        String password = blankToNull(p.getProperty("password"));
        if (user == null || password == null) {
            throw new IllegalStateException("the JMS credentials file " + file + " needs the lines user=... and password=...; "
                    + "delete it to have new credentials generated");
        }
        LOG.info("JMS broker: clients authenticate as '{}' (password in {})", user, file.toAbsolutePath());
        return new JmsCredentials(user, password);
    }

    /**
     * Created exclusively with owner-only permissions from the start, so the password is never readable by
     * others, not even for a moment; when two gateways sharing a data dir start together, one file wins.
     */
    private static JmsCredentials create(Path file) {
        byte[] random = new byte[PASSWORD_BYTES];
        new SecureRandom().nextBytes(random);
        JmsCredentials created = new JmsCredentials(GENERATED_USER, HexFormat.of().formatHex(random));
        byte[] text = ("# JMS broker credentials of this gateway (" + USER_ENV + " / " + PASSWORD_ENV + " override them)\n"
                + "user=" + created.user() + "\npassword=" + created.password() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            FileAttribute<?>[] attributes = file.getFileSystem().supportedFileAttributeViews().contains("posix")
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)} : new FileAttribute<?>[0];
            try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
                ch.write(ByteBuffer.wrap(text));
                ch.force(true);
            }
        } catch (FileAlreadyExistsException raced) {
            return read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the JMS credentials file " + file + "; make its folder writable "
                    + "by the gateway's user, or set " + USER_ENV + " and " + PASSWORD_ENV, e);
        }
        LOG.warn("JMS broker: created the client credentials; the password is shown this once (also kept, owner-only, in {}):"
                + "\n\n    user: {}\n    password: {}\n\n    JMS clients pass them to createConnection(user, password)\n",
                file.toAbsolutePath(), created.user(), created.password());
        return created;
    }

    /** Like the master key file: a password others can read (or replace) is no password. */
    private static void refuseIfSharedWithOthers(Path file) throws IOException {
        if (!file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (!OWNER_ONLY.containsAll(perms)) {
            throw new IllegalStateException("the JMS credentials file " + file + " has permissions "
                    + PosixFilePermissions.toString(perms) + ", which let group or others read or change it; run `chmod 600 "
                    + file + "`, and if others could read it, delete it to have new credentials generated");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
