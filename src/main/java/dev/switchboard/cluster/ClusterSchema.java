package dev.switchboard.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/** The tables of {@code db/migration/V30__cluster.sql}, run statement by statement (each is idempotent). */
public final class ClusterSchema {
    private static final String MIGRATION = "/db/migration/V30__cluster.sql";

    private ClusterSchema() {
    }

    public static void create(Consumer<String> execute) {
        statements().forEach(execute);
    }

    static List<String> statements() {
        try (InputStream in = ClusterSchema.class.getResourceAsStream(MIGRATION)) {
            if (in == null) {
                throw new IllegalStateException(MIGRATION + " is missing from the classpath");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("(?m)^--.*$", "");
            return Arrays.stream(text.split(";")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + MIGRATION + ": " + e.getMessage(), e);
        }
    }
}
