package dev.switchboard.frontdoor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.LineNumberAware;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RoutesDefinition;
import org.apache.camel.model.SendDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/**
 * Reads one route file into route definitions without running anything, and refuses it with file:line unless
 * every route can run beside the others: parsed, an id of its own, endpoints that resolve, a consumer that no
 * other route owns, and a last step that hands the request to a pipeline entry.
 */
final class RouteFileCheck {
    /** Consumers only the pipeline may own: its entries and the per-model routes it stamps out. */
    private static final String MODEL_ROUTES = "direct:model-";
    /** Where a message without a position says one (some Camel errors only name the line in text). */
    private static final Pattern SCHEME_SLASHES = Pattern.compile("^([A-Za-z0-9+.-]+)://");
    private static final Pattern LINE_IN_TEXT = Pattern.compile("line (\\d+)");

    private final CamelContext camel;
    private final Set<String> entries;

    RouteFileCheck(CamelContext camel, Set<String> entries) {
        this.camel = camel;
        this.entries = Set.copyOf(entries);
    }

    /**
     * The routes of {@code text}; {@code ownIds} are the routes this file runs now, which the new version replaces
     * (their ids and consumers are free to take).
     */
    List<RouteDefinition> parse(String file, String text, Set<String> ownIds) throws RouteFileException {
        List<RouteDefinition> routes = read(file, text);
        if (routes.isEmpty()) {
            throw new RouteFileException(file, 1, "no route in this file (a list of '- route:' entries)");
        }
        Set<String> ids = new HashSet<>();
        for (RouteDefinition route : routes) {
            int line = line(route);
            checkId(file, line, route, ids, ownIds);
            checkConsumer(file, line, route, ownIds);
            checkSends(file, route);
            checkHandOff(file, line, route);
        }
        return routes;
    }

    /** An id of its own: the front door's name in /admin/api/routes, and what a changed file's new version replaces. */
    private void checkId(String file, int line, RouteDefinition route, Set<String> idsOfFile, Set<String> ownIds) throws RouteFileException {
        String id = route.getRouteId();
        if (id == null || id.isBlank() || !route.hasCustomIdAssigned()) {
            throw new RouteFileException(file, line, "every route needs an 'id' (the front door's name in /admin/api/routes)");
        }
        if (!idsOfFile.add(id)) {
            throw new RouteFileException(file, line, "route id '" + id + "' is used twice in this file");
        }
        // Definitions too: before Camel starts (the first load) the pipeline's routes are definitions only.
        boolean taken = camel.getRoute(id) != null || ((ModelCamelContext) camel).getRouteDefinition(id) != null;
        if (taken && !ownIds.contains(id)) {
            throw new RouteFileException(file, line, "route id '" + id + "' is taken by another route (the pipeline's or another file's)");
        }
    }

    private List<RouteDefinition> read(String file, String text) throws RouteFileException {
        List<RouteDefinition> routes = new ArrayList<>();
        try {
            for (RoutesBuilder builder : PluginHelper.getRoutesLoader(camel).findRoutesBuilders(ResourceHelper.fromString(file, text))) {
                if (!(builder instanceof RouteBuilder rb)) {
                    throw new RouteFileException(file, 1, "not a YAML route file");
                }
                RoutesDefinition definitions = rb.configureRoutes(camel);
                if (!rb.getRestCollection().getRests().isEmpty() || !rb.getRouteTemplateCollection().getRouteTemplates().isEmpty()) {
                    throw new RouteFileException(file, 1, "a front door file holds '- route:' entries only (no rest or routeTemplate)");
                }
                routes.addAll(definitions.getRoutes());
            }
        } catch (RouteFileException e) {
            throw e;
        } catch (Exception e) {
            throw new RouteFileException(file, yamlLine(e), rootMessage(e));
        }
        return routes;
    }

    /** The route's consumer must resolve and belong to no other route: a file cannot take over {@code direct:chat}. */
    private void checkConsumer(String file, int line, RouteDefinition route, Set<String> ownIds) throws RouteFileException {
        String uri = route.getInput().getEndpointUri();
        if (uri == null) {
            throw new RouteFileException(file, line, "route '" + route.getRouteId() + "' has no 'from' uri");
        }
        Endpoint endpoint = resolve(file, line, uri);
        String normalized = endpoint.getEndpointUri();
        String plain = SCHEME_SLASHES.matcher(normalized).replaceFirst("$1:"); // direct://chat is direct:chat
        if (entries.contains(plain) || plain.startsWith(MODEL_ROUTES)) {
            throw new RouteFileException(file, line, "'" + uri + "' is the pipeline's own entry; a front door sends to it, it cannot consume it");
        }
        for (Route other : camel.getRoutes()) {
            if (!ownIds.contains(other.getRouteId()) && other.getEndpoint().getEndpointUri().equals(normalized)) {
                throw new RouteFileException(file, line, "'" + uri + "' is already consumed by route '" + other.getRouteId() + "'");
            }
        }
    }

    /** Every static endpoint a route sends to must resolve now, not on the first request. */
    private void checkSends(String file, RouteDefinition route) throws RouteFileException {
        for (SendDefinition<?> send : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), SendDefinition.class)) {
            String uri = send.getEndpointUri();
            if (uri != null && !entries.contains(uri)) {
                resolve(file, line(send), uri);
            }
        }
    }

    /**
     * A front door ends in a pipeline entry. The pipeline answers its own errors, and Camel ends a route whose
     * sub-route handled an error, so a step after the entry would be skipped exactly for errors: an answer is
     * delivered elsewhere from an {@code onCompletion} step instead (see routes/file-drop.yaml).
     */
    private void checkHandOff(String file, int line, RouteDefinition route) throws RouteFileException {
        List<ProcessorDefinition<?>> steps = route.getOutputs();
        if (!steps.isEmpty() && steps.get(steps.size() - 1) instanceof ToDefinition to && entries.contains(to.getEndpointUri())) {
            return;
        }
        throw new RouteFileException(file, line, "route '" + route.getRouteId() + "' does not end in the pipeline: "
                + "its last step must be 'to: <entry>', one of " + entries.stream().sorted().toList()
                + " (deliver the answer elsewhere from an onCompletion step)");
    }

    private Endpoint resolve(String file, int line, String uri) throws RouteFileException {
        try {
            return camel.getEndpoint(uri);
        } catch (RuntimeException e) {
            throw new RouteFileException(file, line, "endpoint '" + uri + "' cannot be resolved: " + rootMessage(e));
        }
    }

    /** The line Camel noted for a definition; 0 when it kept none. */
    private static int line(Object definition) {
        return definition instanceof LineNumberAware aware ? Math.max(0, aware.getLineNumber()) : 0;
    }

    /** A YAML mistake's line (1-based) from the parser's mark, else from the message, else 0. */
    private static int yamlLine(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYamlEngineException marked) {
                Optional<Mark> mark = marked.getProblemMark().or(marked::getContextMark);
                if (mark.isPresent()) {
                    return mark.get().getLine() + 1;
                }
            }
            Matcher m = t.getMessage() == null ? null : LINE_IN_TEXT.matcher(t.getMessage());
            if (m != null && m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return 0;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t.getCause() != null && t.getCause() != t && depth < 10; depth++) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return t == e ? message : e.getMessage() + " (" + message + ")";
    }
}
