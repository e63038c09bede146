package dev.switchboard.providers;

import java.util.Map;

/** The adapter for each provider wire format named in the catalog ({@code type}). */
public final class Adapters {
    private final Map<String, ProviderAdapter> byType;

    public Adapters(Map<String, ProviderAdapter> byType) {
        this.byType = Map.copyOf(byType);
    }

    /** This build's adapters. Ollama is served through its OpenAI-compatible /v1 API. */
    public static Adapters standard() {
        OpenAiCompatibleAdapter openAi = new OpenAiCompatibleAdapter();
        return new Adapters(Map.of("openai", openAi, "ollama", openAi));
    }

    public ProviderAdapter forType(String type) {
        ProviderAdapter adapter = byType.get(type);
        if (adapter == null) {
            throw new UnsupportedOperationException("no adapter for provider type '" + type + "' in this build");
        }
        return adapter;
    }
}
