package dev.switchboard.providers;

import dev.switchboard.providers.anthropic.AnthropicAdapter;
import dev.switchboard.providers.gemini.GeminiAdapter;
import dev.switchboard.providers.ollama.OllamaAdapter;
import dev.switchboard.providers.openai.DeepSeekAdapter;
import dev.switchboard.providers.openai.LmStudioAdapter;
import dev.switchboard.providers.openai.OpenAiAdapter;
import dev.switchboard.providers.openai.PerplexityAdapter;
import dev.switchboard.providers.openai.XaiAdapter;
import java.util.Map;

/** The adapter for each provider wire format named in the catalog ({@code type}). */
public final class Adapters {
    private final Map<String, ProviderAdapter> byType;

    public Adapters(Map<String, ProviderAdapter> byType) {
        this.byType = Map.copyOf(byType);
    }

    /** This build's adapters, by the catalog's provider {@code type}. */
    public static Adapters standard() {
        return new Adapters(Map.of(
                "openai", new OpenAiAdapter(),
                "anthropic", new AnthropicAdapter(),
                "gemini", new GeminiAdapter(),
                "ollama", new OllamaAdapter(),
                "xai", new XaiAdapter(),
                "deepseek", new DeepSeekAdapter(),
                "perplexity", new PerplexityAdapter(),
                "lmstudio", new LmStudioAdapter()));
    }

    public java.util.Set<String> types() {
        return byType.keySet();
    }

    public ProviderAdapter forType(String type) {
        ProviderAdapter adapter = byType.get(type);
        if (adapter == null) {
            throw new UnsupportedOperationException("no adapter for provider type '" + type + "' in this build");
        }
        return adapter;
    }
}
