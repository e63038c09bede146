package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Catalog resources one by one: each write a validated, versioned change of the catalog document. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CatalogResourcesTest {
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_create_read_update_and_delete_each_kind_of_catalog_resource() throws Exception {
        HttpResponse<String> model = gw.admin("PUT", "/admin/api/catalog/models/solo?comment=one+more",
                "{\"provider\":\"openai\",\"contextWindow\":8000,\"price\":{\"input\":1,\"output\":2},\"template\":\"terse\"}");
        assertEquals(400, model.statusCode(), "an unknown template is refused: " + model.body());
        assertEquals(200, gw.admin("PUT", "/admin/api/catalog/templates/terse", "{\"temperature\":0.2,\"max_tokens\":50}").statusCode());
        model = gw.admin("PUT", "/admin/api/catalog/models/solo?comment=one+more",
                "{\"provider\":\"openai\",\"contextWindow\":8000,\"price\":{\"input\":1,\"output\":2},\"template\":\"terse\"}");
        assertEquals(200, model.statusCode(), model.body());
        assertEquals(200, gw.postChat(Gateway.chatBody("solo", "hi")).statusCode());
        assertEquals(50, gw.fake.requestsFor("solo").get(0).json().path("max_tokens").asInt(), "the template's defaults apply");
        assertEquals(8000, Gateway.MAPPER.readTree(gw.admin("GET", "/admin/api/catalog/models/solo", null).body()).path("contextWindow").asInt());
        assertTrue(Gateway.MAPPER.readTree(gw.admin("GET", "/admin/api/catalog/models?limit=2", null).body()).path("data").size() == 2);

        assertEquals(200, gw.admin("PUT", "/admin/api/catalog/chains/duo", "[\"solo\", \"gpt-4o\"]").statusCode());
        assertEquals(200, gw.admin("PUT", "/admin/api/catalog/profiles/plain", "[\"chat\"]").statusCode());
        HttpResponse<String> dangling = gw.admin("DELETE", "/admin/api/catalog/models/solo", null);
        assertEquals(400, dangling.statusCode(), "chain 'duo' still names it: " + dangling.body());
        assertTrue(dangling.body().contains("chains.duo"), dangling.body());
        assertEquals(200, gw.admin("DELETE", "/admin/api/catalog/chains/duo", null).statusCode());
        assertEquals(200, gw.admin("DELETE", "/admin/api/catalog/models/solo", null).statusCode());
        assertEquals(404, gw.postChat(Gateway.chatBody("solo", "hi")).statusCode());
        assertEquals(404, gw.admin("GET", "/admin/api/catalog/models/solo", null).statusCode());
        assertEquals(404, gw.admin("GET", "/admin/api/catalog/widgets", null).statusCode());
    }
}
