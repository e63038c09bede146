package dev.switchboard.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the test JVM: the distribution's binaries ({@code initdb}, {@code pg_ctl}),
 * a throwaway cluster in a temporary folder, TCP on a free loopback port, trust authentication for one
 * superuser. Started on first use, once per JVM, stopped and deleted by a shutdown hook. PostgreSQL refuses
 * to run as root, so under root it runs as {@link #UNPRIVILEGED_USER}. No binaries is a failure, never a
 * skip: {@code .ci/run} installs the {@code postgresql} package where it is missing.
 */
public final class TestPostgres {
    /** Where the binaries are when not in the usual places (a folder holding initdb and pg_ctl). */
    public static final String BIN_ENV = "SWITCHBOARD_TEST_PG_BIN";
    public static final String USER = "switchboard";
    private static final String UNPRIVILEGED_USER = "nobody";
    private static final List<Path> BIN_CANDIDATES = List.of(Path.of("/usr/lib/postgresql"), Path.of("/usr/local/pgsql/bin"),
            Path.of("/usr/local/bin"), Path.of("/usr/bin"));
    private static final long START_TIMEOUT_SECONDS = 60;
    private static TestPostgres server;

    private final Path bin;
    private final Path dir;
    private final Path data;
    private final int port;
    private final boolean asRoot;
    private final AtomicInteger databases = new AtomicInteger();

    private TestPostgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
        this.asRoot = "root".equals(System.getProperty("user.name"));
    }

    /** The JVM's server, started on first use. */
    public static synchronized TestPostgres get() {
        if (server == null) {
            server = start();
        }
        return server;
    }

    /** A new, empty database on the server: its JDBC URL. */
    public String newDatabase(String prefix) {
        String name = (prefix.replaceAll("[^a-z0-9]", "_") + "_" + databases.incrementAndGet()).toLowerCase(java.util.Locale.ROOT);
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, ""); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("test PostgreSQL refused CREATE DATABASE " + name + ": " + e.getMessage(), e);
        }
        return url(name);
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private static TestPostgres start() {
        Path bin = findBinaries();
        try {
            TestPostgres pg = new TestPostgres(bin, Files.createTempDirectory("switchboard-pg"), Gateway.freePort());
            pg.initAndStart();
            Runtime.getRuntime().addShutdownHook(new Thread(pg::stop, "test-postgres-stop"));
            return pg;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the test PostgreSQL: " + e.getMessage(), e);
        }
    }

    private void initAndStart() throws IOException {
        if (asRoot) {
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(dir, users.lookupPrincipalByName(UNPRIVILEGED_USER));
        }
        // C collation: the same order on every machine (HSQLDB compares by code point too).
        run("initdb", "-D", data.toString(), "-U", USER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions");
        // Throwaway data: durability off for speed; the socket in our own folder (the default may not be writable).
        String options = "-c listen_addresses=127.0.0.1 -p " + port + " -k " + dir
                + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        run("pg_ctl", "-D", data.toString(), "-l", dir.resolve("postgres.log").toString(), "-w", "-t", Long.toString(START_TIMEOUT_SECONDS),
                "-o", options, "start");
    }

    private void stop() {
        try {
            run("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop");
        } catch (RuntimeException ignored) {
            // already gone
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder: the OS cleans up
        }
    }

    /** Runs one of the binaries to its end (as the unprivileged user under root); fails with its output. */
    private void run(String program, String... args) {
        List<String> command = new ArrayList<>();
        if (asRoot) {
            command.addAll(List.of("runuser", "-u", UNPRIVILEGED_USER, "--"));
        }
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("switchboard-pg-" + program, ".out");
            Process p = new ProcessBuilder(command).directory(Path.of("/tmp").toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean done = p.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            String output = Files.readString(out);
            Files.deleteIfExists(out);
            if (!done || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path findBinaries() {
        String configured = System.getenv(BIN_ENV);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        List<Path> candidates = new ArrayList<>(BIN_CANDIDATES);
        for (String folder : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!folder.isBlank()) {
                candidates.add(Path.of(folder));
            }
        }
        for (Path candidate : candidates) {
            Path found = candidate.getFileName().toString().equals("postgresql") ? newestVersion(candidate) : candidate;
            if (found != null && Files.isExecutable(found.resolve("initdb")) && Files.isExecutable(found.resolve("pg_ctl"))) {
                return found;
            }
        }
        throw new IllegalStateException("no PostgreSQL binaries (initdb, pg_ctl) in " + BIN_CANDIDATES + ", on the PATH or in $" + BIN_ENV
                + ": install the 'postgresql' package (.ci/run does) to run the tests against PostgreSQL");
    }

    /** {@code /usr/lib/postgresql/<newest>/bin}, the Debian layout. */
    private static Path newestVersion(Path root) {
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                    .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                    .map(v -> v.resolve("bin")).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }
}
