package dev.switchboard.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
    private static final String API_KEY = "sk-live-0123456789abcdefghijklmnop";
    private static final String TOKEN_PREFIX = "v1:";
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    @TempDir
    Path dir;

    private static String newMasterKey() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    private static SecretBox envBox() {
        return SecretBox.open(newMasterKey(), null);
    }

    @Test
    void should_give_back_the_same_key_after_a_round_trip() {
        SecretBox box = envBox();
        String sealed = box.seal(Secret.of(API_KEY));
        assertTrue(sealed.startsWith(TOKEN_PREFIX), sealed);
        assertEquals(API_KEY, box.unseal(sealed).reveal());
    }

    @Test
    void should_give_back_the_same_key_with_the_same_context() {
        SecretBox box = envBox();
        assertEquals(API_KEY, box.unseal(box.seal(Secret.of(API_KEY), "openai"), "openai").reveal());
    }

    @Test
    void should_seal_the_same_key_differently_each_time_and_open_both() {
        SecretBox box = envBox();
        String first = box.seal(Secret.of(API_KEY));
        String second = box.seal(Secret.of(API_KEY));
        assertNotEquals(first, second, "a fresh IV per seal");
        assertNotEquals(first.substring(0, 3 + 16), second.substring(0, 3 + 16), "the IVs (first 12 bytes) differ");
        assertEquals(API_KEY, box.unseal(first).reveal());
        assertEquals(API_KEY, box.unseal(second).reveal());
    }

    @Test
    void should_refuse_a_token_with_any_one_byte_changed() {
        SecretBox box = envBox();
        byte[] payload = Base64.getDecoder().decode(box.seal(Secret.of(API_KEY)).substring(TOKEN_PREFIX.length()));
        // every position: the IV, the ciphertext and the tag are all covered
        for (int i = 0; i < payload.length; i++) {
            byte[] tampered = payload.clone();
            tampered[i] ^= 0x01;
            String token = TOKEN_PREFIX + Base64.getEncoder().encodeToString(tampered);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> box.unseal(token), "byte " + i);
            assertEquals(SecretBox.CANNOT_DECRYPT, e.getMessage());
        }
    }

    @Test
    void should_refuse_a_truncated_or_non_base64_token() {
        SecretBox box = envBox();
        String sealed = box.seal(Secret.of(API_KEY));
        for (String bad : new String[] {TOKEN_PREFIX, TOKEN_PREFIX + "AAAA", sealed.substring(0, sealed.length() - 8), TOKEN_PREFIX + "not base64!"}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> box.unseal(bad), bad);
            assertEquals(SecretBox.CANNOT_DECRYPT, e.getMessage());
        }
    }

    @Test
    void should_refuse_a_token_that_is_not_v1_without_echoing_it() {
        SecretBox box = envBox();
        for (String bad : new String[] {API_KEY, "v2:" + box.seal(Secret.of(API_KEY)).substring(TOKEN_PREFIX.length())}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> box.unseal(bad));
            assertEquals(SecretBox.NOT_V1, e.getMessage());
            assertFalse(e.getMessage().contains(API_KEY));
        }
    }

    @Test
    void should_refuse_a_token_sealed_under_another_master_key() {
        String sealed = envBox().seal(Secret.of(API_KEY), "openai");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> envBox().unseal(sealed, "openai"));
        assertEquals(SecretBox.CANNOT_DECRYPT + " (context: openai)", e.getMessage());
        assertTrue(e.getMessage().contains("restore SWITCHBOARD_MASTER_KEY / master.key"), e.getMessage());
    }

    @Test
    void should_refuse_a_token_moved_to_another_context() {
        SecretBox box = envBox();
        String sealed = box.seal(Secret.of(API_KEY), "openai");
        assertThrows(IllegalStateException.class, () -> box.unseal(sealed, "anthropic"));
        assertThrows(IllegalStateException.class, () -> box.unseal(sealed), "no context is the context \"\"");
        assertThrows(IllegalStateException.class, () -> box.unseal(box.seal(Secret.of(API_KEY)), "openai"));
    }

    @Test
    void should_create_an_owner_only_key_file_and_reuse_it_on_the_next_open() throws Exception {
        Path keyFile = SecretBox.defaultKeyFile(dir.resolve("data"));
        SecretBox first = SecretBox.open(null, keyFile);
        assertTrue(Files.isRegularFile(keyFile));
        if (POSIX) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        }
        assertEquals(32, Base64.getDecoder().decode(Files.readString(keyFile).strip()).length,
                "the file holds base64 of 32 bytes, the same form as the variable");
        try (var left = Files.list(keyFile.getParent())) {
            assertEquals(1, left.count(), "no temp file is left beside the key");
        }
        String sealed = first.seal(Secret.of(API_KEY), "openai");
        String before = Files.readString(keyFile);

        SecretBox reopened = SecretBox.open("", keyFile); // a blank variable counts as unset
        assertEquals(before, Files.readString(keyFile), "the key file is not rewritten");
        assertEquals(API_KEY, reopened.unseal(sealed, "openai").reveal());
        assertFalse(reopened.toString().contains(before.strip()), "toString names the file, never the key");
    }

    @Test
    void should_use_the_environment_key_before_the_key_file() throws Exception {
        Path keyFile = dir.resolve(SecretBox.KEY_FILE_NAME);
        String envKey = newMasterKey();
        String sealedWithEnv = SecretBox.open(envKey, keyFile).seal(Secret.of(API_KEY));
        assertFalse(Files.exists(keyFile), "no key file is made when the variable is set");

        String sealedWithFile = SecretBox.open(null, keyFile).seal(Secret.of(API_KEY));
        SecretBox withBoth = SecretBox.open(envKey, keyFile);
        assertEquals(API_KEY, withBoth.unseal(sealedWithEnv).reveal());
        assertThrows(IllegalStateException.class, () -> withBoth.unseal(sealedWithFile));
        assertTrue(withBoth.toString().contains(SecretBox.MASTER_KEY_ENV), withBoth.toString());
        assertFalse(withBoth.toString().contains(envKey), "toString names the source, never the key");
    }

    @Test
    void should_refuse_a_bad_environment_key_and_say_how_to_make_one() {
        String tooShort = Base64.getEncoder().encodeToString(new byte[16]);
        for (String bad : new String[] {tooShort, "not*base64", Base64.getEncoder().encodeToString(new byte[33])}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> SecretBox.open(bad, dir.resolve("unused.key")));
            assertTrue(e.getMessage().contains("openssl rand -base64 32"), e.getMessage());
            assertTrue(e.getMessage().contains(SecretBox.MASTER_KEY_ENV), e.getMessage());
            assertFalse(e.getMessage().contains(bad), "the message never echoes the value");
        }
        assertFalse(Files.exists(dir.resolve("unused.key")), "a bad variable does not fall back to the file");
    }

    @Test
    void should_refuse_a_key_file_that_group_or_others_can_read() throws Exception {
        assumeTrue(POSIX, "permissions are only checked on POSIX file systems");
        Path keyFile = dir.resolve(SecretBox.KEY_FILE_NAME);
        SecretBox.open(null, keyFile);
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SecretBox.open(null, keyFile));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
        assertTrue(e.getMessage().contains(keyFile.toString()), e.getMessage());

        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r-----"));
        assertThrows(IllegalStateException.class, () -> SecretBox.open(null, keyFile), "group-readable too");
    }

    @Test
    void should_refuse_a_key_file_that_is_not_base64_of_32_bytes() throws Exception {
        Path keyFile = dir.resolve(SecretBox.KEY_FILE_NAME);
        Files.write(keyFile, new byte[32]); // raw bytes, as `openssl rand 32 > master.key` would write
        if (POSIX) {
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SecretBox.open(null, keyFile));
        assertTrue(e.getMessage().contains("openssl rand -base64 32"), e.getMessage());
    }

    @Test
    void should_never_show_the_key_in_the_token_or_in_toString() {
        SecretBox box = envBox();
        String sealed = box.seal(Secret.of(API_KEY), "openai");
        String plainB64 = Base64.getEncoder().encodeToString(API_KEY.getBytes(StandardCharsets.UTF_8));
        assertFalse(sealed.contains(API_KEY));
        assertFalse(sealed.contains(API_KEY.substring(0, 12)));
        assertFalse(sealed.contains(plainB64.substring(0, 12)), "not merely base64-encoded");
        assertFalse(box.toString().contains(API_KEY));
        assertTrue(box.toString().startsWith("SecretBox["), box.toString());
    }
}
