package dev.switchboard.conformance;

import dev.switchboard.conformance.ProviderUnderTest.FilterOutcome;
import dev.switchboard.fakes.FakeOllama;
import dev.switchboard.fakes.FakeOpenAiDialects;
import dev.switchboard.fakes.FakeOpenAiDialects.Dialect;
import java.util.List;
import java.util.Map;

/** Ollama (native NDJSON) and the OpenAI-compatible dialects, each behind its own fake. */
final class ConformanceProviders {
    /** 11 prompt and 7 completion tokens at the test prices (input 2, output 4 $/M). */
    private static final double PLAIN_COST = (11 * 2 + 7 * 4) / 1e6;

    private ConformanceProviders() {
    }

    static void addMore(List<ProviderUnderTest> providers) {
        FakeOllama ollama = FakeOllama.start();
        providers.add(new ProviderUnderTest("ollama", "ollama", ollama.baseUrl(), Map.of("OLLAMA_HOST", ollama.baseUrl()),
                m -> ollama.requestsFor(m).stream().map(FakeOllama.Recorded::json).toList(), ollama,
                FakeOllama.PROMPT_EVAL_COUNT, FakeOllama.EVAL_COUNT, PLAIN_COST, true, true,
                "fake-filter", FilterOutcome.NONE, "fake-500", "fake-busy", false));
        providers.add(dialect(Dialect.XAI, "xai", "XAI", true, false,
                FakeOpenAiDialects.COMPLETION_TOKENS + FakeOpenAiDialects.XAI_REASONING_TOKENS,
                (8 * 2 + 3 * 1 + 12 * 4) / 1e6));
        providers.add(dialect(Dialect.DEEPSEEK, "deepseek", "DEEPSEEK", true, false,
                FakeOpenAiDialects.COMPLETION_TOKENS, (7 * 2 + 4 * 1 + 7 * 4) / 1e6));
        providers.add(dialect(Dialect.PERPLEXITY, "perplexity", "PERPLEXITY", false, false,
                FakeOpenAiDialects.COMPLETION_TOKENS, PLAIN_COST + FakeOpenAiDialects.PERPLEXITY_SEARCH_QUERIES * 5 / 1000d));
        providers.add(dialect(Dialect.LMSTUDIO, "lmstudio", "LMSTUDIO", true, true,
                FakeOpenAiDialects.COMPLETION_TOKENS, PLAIN_COST));
    }

    private static ProviderUnderTest dialect(Dialect dialect, String id, String envPrefix, boolean tools, boolean embeddings,
                                             int completionTokens, double cost) {
        FakeOpenAiDialects fake = FakeOpenAiDialects.start(dialect);
        Map<String, String> env = dialect == Dialect.LMSTUDIO
                ? Map.of(envPrefix + "_BASE_URL", fake.baseUrl())
                : Map.of(envPrefix + "_BASE_URL", fake.baseUrl(), envPrefix + "_API_KEY", id + "-test-key-0123456789");
        return new ProviderUnderTest(id, id, fake.baseUrl(), env,
                m -> fake.requestsFor(m).stream().map(FakeOpenAiDialects.Recorded::json).toList(), fake,
                FakeOpenAiDialects.PROMPT_TOKENS, completionTokens, cost, tools, embeddings,
                "fake-filter", FilterOutcome.FINISH_REASON, "fake-500", "fake-429", false);
    }
}
