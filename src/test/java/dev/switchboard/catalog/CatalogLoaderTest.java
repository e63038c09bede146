package dev.switchboard.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.catalog.CatalogLoader.CatalogException;
import dev.switchboard.catalog.CatalogLoader.SimulatorMode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogLoaderTest {
    private static final String SIM = "http://127.0.0.1:9/v1";

    @Test
    void should_load_the_bundled_catalog_with_all_eight_providers_in_simulator_mode_without_keys() {
        Catalog c = new CatalogLoader(Map.of()).load(null, SimulatorMode.AUTO, SIM);
        assertEquals(9, c.providers().size(), "eight providers plus the simulator");
        assertTrue(c.simulatorMode());
        assertEquals("simulator", c.providerFor(c.model("claude-sonnet-4-5").orElseThrow()).id());
        assertEquals(c.models().size(), c.callableModels().size(), "the simulator answers every model");
    }

    @Test
    void should_enable_a_provider_with_a_key_and_its_base_url_override() {
        Catalog c = new CatalogLoader(Map.of("OPENAI_API_KEY", "sk-live-0123456789abcdef", "OPENAI_BASE_URL", "http://127.0.0.1:1/v1/"))
                .load(null, SimulatorMode.AUTO, SIM);
        assertFalse(c.simulatorMode());
        ProviderSpec openai = c.provider("openai").orElseThrow();
        assertTrue(openai.enabled());
        assertEquals("http://127.0.0.1:1/v1", openai.baseUrl());
        assertEquals("sk-...cdef", openai.apiKey().toString(), "keys print masked");
        assertTrue(c.callable(c.model("gpt-4o").orElseThrow()));
        assertFalse(c.callable(c.model("grok-4").orElseThrow()));
        assertTrue(c.provider("xai").orElseThrow().disabledReason().contains("XAI_API_KEY"));
        assertNull(c.provider("simulator").orElse(null));
    }

    @Test
    void should_price_cached_tokens_at_the_cached_rate() {
        Price p = new Price(2.0, 8.0, 0.5);
        assertEquals((900 * 2.0 + 100 * 0.5 + 50 * 8.0) / 1e6, p.cost(new dev.switchboard.api.Usage(1000, 50, 1050, 100, 0, 0, 0)), 1e-12);
    }

    @Test
    void should_refuse_a_broken_catalog_with_the_path_of_the_mistake() {
        assertMessage("models[0].provider: unknown provider 'nobody'", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: [{id: a, provider: nobody, contextWindow: 10, price: {input: 1, output: 1}}]
                """);
        assertMessage("models[0].price.input: price cannot be negative", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: -1, output: 1}}]
                """);
        assertMessage("models[0].contextWindow: missing", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: [{id: a, provider: openai, price: {input: 1, output: 1}}]
                """);
        assertMessage("chain 'c' names unknown model 'zzz'", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}}]
                chains: {c: [a, zzz]}
                """);
        assertMessage("model 'a' falls back to unknown model 'b'", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}, fallbacks: [b]}]
                """);
        assertMessage("models[1].baseModel: 'nope' is not a (non-fine-tuned) model", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}}, {id: b, baseModel: nope, fineTuneId: ft}]
                """);
        assertMessage("models[0].template: unknown parameter template 'wild'", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}, template: wild}]
                """);
        assertMessage("models[0].profile: unknown capability profile 'x'", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}, profile: x}]
                """);
        assertMessage("templates.hot.temperature: must be a number from 0 to 2", """
                defaults: {chatModel: a}
                templates: {hot: {temperature: 3}}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}}]
                """);
        assertMessage("models[0].defaults.temperature: must be a number from 0 to 2", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}, defaults: {temperature: 2.5}}]
                """);
        assertMessage("providers[0].keyEnv: 'SWITCHBOARD_ADMIN_TOKEN' cannot be read by a provider", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: SWITCHBOARD_ADMIN_TOKEN}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}}]
                """);
        assertMessage("providers[0].keyEnv: 'DB_PASSWORD' cannot be read by a provider", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: DB_PASSWORD}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}}]
                """);
        assertMessage("providers[0].baseUrlEnv: 'SWITCHBOARD_MASTER_KEY' cannot be read by a provider", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", baseUrlEnv: SWITCHBOARD_MASTER_KEY}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}}]
                """);
        assertMessage("providers[1].id: provider 'openai' is listed twice", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: openai, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}, {id: openai, type: openai, baseUrl: "http://y"}]
                models: [{id: a, provider: openai, contextWindow: 10, price: {input: 1, output: 1}}]
                """);
        assertMessage("providers[0].type: unknown provider type 'soap'", """
                defaults: {chatModel: a}
                providers: [{id: openai, type: soap, baseUrl: "http://x", keyEnv: OPENAI_API_KEY}]
                models: []
                """);
    }

    private static void assertMessage(String expected, String yaml) {
        CatalogException e = assertThrows(CatalogException.class,
                () -> new CatalogLoader(Map.of()).build(new YAMLMapper().readTree(yaml), SimulatorMode.OFF, null, "test.yaml"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("test.yaml"), e.getMessage());
    }
}
