package dev.switchboard.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAPI document names every route of the management router, and nothing else: it cannot drift from the code. */
class OpenApiTest {
    private static Gateway gateway;

    @BeforeAll
    static void start() {
        gateway = Gateway.start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void theDocumentDescribesExactlyTheRoutesTheManagementRouterServes() throws Exception {
        HttpResponse<String> r = gateway.get(gateway.managementUrl() + "/admin/api/openapi.json");
        assertEquals(200, r.statusCode(), "served without a token");
        JsonNode doc = Gateway.MAPPER.readTree(r.body());
        assertTrue(doc.path("openapi").asText().startsWith("3."));

        TreeSet<String> routed = new TreeSet<>();
        for (String route : gateway.app.managementRoutes()) {
            String[] parts = route.split(" ", 2);
            routed.add(parts[0].toLowerCase(Locale.ROOT) + " " + parts[1].replaceAll(":([A-Za-z]+)", "{$1}"));
        }
        TreeSet<String> documented = new TreeSet<>();
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (!method.equals("parameters")) {
                documented.add(method + " " + path.getKey());
            }
        }));
        List<String> missing = new ArrayList<>(routed);
        missing.removeAll(documented);
        List<String> stale = new ArrayList<>(documented);
        stale.removeAll(routed);
        assertTrue(missing.isEmpty(), "routes missing from admin/openapi.json: " + missing);
        assertTrue(stale.isEmpty(), "admin/openapi.json describes routes that do not exist: " + stale);
    }
}
