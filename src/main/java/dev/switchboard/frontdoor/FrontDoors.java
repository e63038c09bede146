package dev.switchboard.frontdoor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.util.URISupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front doors of {@code routes/*.yaml}, watched like the rules: a new or changed file is checked
 * ({@link RouteFileCheck}) and its routes replace the file's old ones without a restart; a refused file is reported
 * with file:line and whatever the file ran before keeps running; a deleted file's routes stop. Route files come from
 * the integration team's disk, never through the API, so they may use any Camel component.
 */
public final class FrontDoors {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard");

    /** What one file runs now, and what was last refused. {@code seen}: the text last read, served or refused. */
    private record FileState(String seen, List<String> routeIds, Instant loadedAt, RouteFileException error, Instant errorAt) {
        FileState refused(String text, RouteFileException e) {
            return new FileState(text, routeIds, loadedAt, e, Instant.now());
        }
    }

    private static final FileState NONE = new FileState(null, List.of(), null, null, null);

    private final CamelContext camel;
    private final Path folder;
    private final RouteFileCheck check;
    private final FrontDoorStats stats = new FrontDoorStats();
    private final Map<String, FileState> files = new ConcurrentHashMap<>();

    /** {@code entries}: the pipeline's entries a front door may hand its requests to (direct:chat...). */
    public FrontDoors(CamelContext camel, Path folder, Set<String> entries) {
        this.camel = camel;
        this.folder = folder;
        this.check = new RouteFileCheck(camel, entries);
        // Before Camel starts: event notifiers added later are not told about exchanges.
        camel.getManagementStrategy().addEventNotifier(stats);
        if (!Files.isDirectory(folder)) {
            LOG.warn("Routes: no folder {}; no front door is open until it is made (add routes/http.yaml)", folder.toAbsolutePath());
        }
    }

    /** A route that looks for changed files every {@code pollMillis}, like the rules watcher. */
    public RoutesBuilder watcher(long pollMillis) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:routes-watch?delay=" + pollMillis + "&period=" + pollMillis).routeId("routes-watch")
                        .process(e -> reloadIfChanged());
            }
        };
    }

    /** Loads new and changed files, stops the routes of deleted ones. Called at start (before Camel starts) and by the watcher. */
    public synchronized void reloadIfChanged() {
        Map<String, String> onDisk = readFolder();
        if (onDisk == null) {
            return;
        }
        for (String gone : new ArrayList<>(files.keySet())) {
            if (!onDisk.containsKey(gone)) {
                remove(gone);
            }
        }
        onDisk.forEach((file, text) -> {
            if (!text.equals(files.getOrDefault(file, NONE).seen())) {
                load(file, text);
            }
        });
    }

    private void load(String file, String text) {
        FileState before = files.getOrDefault(file, NONE);
        List<RouteDefinition> routes;
        try {
            routes = check.parse(file, text, Set.copyOf(before.routeIds()));
        } catch (RouteFileException e) {
            refuse(file, text, before, e);
            return;
        }
        List<String> ids = routes.stream().map(RouteDefinition::getRouteId).toList();
        try {
            stop(before.routeIds());
            start(routes);
        } catch (Exception e) {
            stop(ids);
            restore(file, before);
            refuse(file, text, before, new RouteFileException(file, 0, "cannot start: " + e.getMessage()));
            return;
        }
        files.put(file, new FileState(text, ids, Instant.now(), null, null));
        LOG.info("Routes: {} serving {}", file, ids);
    }

    private void refuse(String file, String text, FileState before, RouteFileException e) {
        files.put(file, before.refused(text, e));
        LOG.error("Routes: refused {}; {}", e, before.routeIds().isEmpty() ? "nothing started" : "still serving " + before.routeIds());
    }

    /** Puts back what a file ran before a change that could not start (its text was valid then). */
    private void restore(String file, FileState before) {
        if (before.routeIds().isEmpty()) {
            return;
        }
        try {
            start(check.parse(file, before.seen(), Set.of()));
        } catch (Exception e) {
            LOG.error("Routes: {} could not be put back: {}", file, e.getMessage());
        }
    }

    private void remove(String file) {
        FileState state = files.remove(file);
        stop(state.routeIds());
        LOG.info("Routes: {} deleted, stopped {}", file, state.routeIds());
    }

    private void start(List<RouteDefinition> routes) throws Exception {
        stats.track(routes.stream().map(RouteDefinition::getRouteId).toList());
        ((ModelCamelContext) camel).addRouteDefinitions(routes);
    }

    /**
     * Stops and removes routes, and their definitions (a route that failed to start may have left one behind, which
     * would keep its id taken); requests in flight finish within Camel's shutdown timeout.
     */
    private void stop(List<String> routeIds) {
        ModelCamelContext model = (ModelCamelContext) camel;
        for (String id : routeIds) {
            try {
                if (camel.getRoute(id) != null) {
                    camel.getRouteController().stopRoute(id);
                    camel.removeRoute(id);
                }
                RouteDefinition left = model.getRouteDefinition(id);
                if (left != null) {
                    model.removeRouteDefinition(left);
                }
            } catch (Exception e) {
                LOG.warn("Routes: cannot stop route {}: {}", id, e.getMessage());
            }
        }
        stats.forget(routeIds);
    }

    /** The route files' text by name; null when the folder cannot be read this time (the next poll tries again). */
    private Map<String, String> readFolder() {
        Map<String, String> texts = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return texts;
        }
        try (Stream<Path> list = Files.list(folder)) {
            for (Path p : list.filter(FrontDoors::isRouteFile).toList()) {
                texts.put(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8));
            }
            return texts;
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("Routes: cannot read {}: {}", folder, e.getMessage());
            return null;
        }
    }

    private static boolean isRouteFile(Path p) {
        String name = p.getFileName().toString();
        return (name.endsWith(".yaml") || name.endsWith(".yml")) && Files.isRegularFile(p);
    }

    /** {@code GET /admin/api/routes}: per file its routes (id, consumer, state, counters) and its last refusal. */
    public ObjectNode list() {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("folder", folder.toString());
        ArrayNode list = body.putArray("files");
        new TreeMap<>(files).forEach((file, state) -> {
            ObjectNode item = list.addObject().put("file", file).put("loadedAt", text(state.loadedAt()));
            ArrayNode routes = item.putArray("routes");
            for (String id : state.routeIds()) {
                routes.add(route(id));
            }
            RouteFileException e = state.error();
            if (e == null) {
                item.putNull("error");
            } else {
                item.putObject("error").put("line", e.line()).put("message", e.getMessage()).put("text", e.toString())
                        .put("at", text(state.errorAt()));
            }
        });
        return body;
    }

    private ObjectNode route(String id) {
        Route route = camel.getRoute(id);
        FrontDoorStats.Counts counts = stats.counts(id);
        ObjectNode item = JsonNodeFactory.instance.objectNode().put("id", id)
                // Sanitized: a consumer's URI may carry a password or token as a query parameter.
                .put("from", route == null ? null : URISupport.sanitizeUri(route.getEndpoint().getEndpointUri()))
                .put("state", String.valueOf(camel.getRouteController().getRouteStatus(id)));
        item.putObject("exchanges").put("total", counts.total()).put("failed", counts.failed())
                .put("inflight", camel.getInflightRepository().size(id));
        return item;
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }
}
