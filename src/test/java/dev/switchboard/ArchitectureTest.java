package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Keeps the package table of STYLE.md true: dependencies point toward api, the middle packages stay apart. */
class ArchitectureTest {
    private static final String BASE = "dev.switchboard.";
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "api", Set.of(),
            "catalog", Set.of("api"),
            "providers", Set.of("api"),
            "routing", Set.of("api", "catalog"),
            "resilience", Set.of("api", "catalog"),
            "recording", Set.of("api"),
            "responses", Set.of("api", "providers"),
            "simulator", Set.of("api", "providers"));

    @Test
    void should_keep_each_package_to_its_allowed_dependencies() throws IOException {
        List<String> violations = new ArrayList<>();
        Path root = Path.of("src/main/java/dev/switchboard");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path rel = root.relativize(file);
                if (rel.getNameCount() < 2) {
                    continue; // App and Settings wire everything
                }
                String pkg = rel.getName(0).toString();
                Set<String> allowed = ALLOWED.get(pkg);
                if (allowed == null) {
                    continue; // pipeline, admin, boot put the others together
                }
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith("import " + BASE)) {
                        String target = line.substring(("import " + BASE).length()).split("\\.")[0];
                        if (!target.equals(pkg) && !allowed.contains(target)) {
                            violations.add(rel + " imports " + target);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }
}
