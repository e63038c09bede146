package dev.switchboard.conformance;

import java.util.List;

/** The providers whose fakes arrive separately (Ollama and the OpenAI-compatible dialects). */
final class ConformanceProviders {
    private ConformanceProviders() {
    }

    static void addMore(List<ProviderUnderTest> providers) {
        // filled in when FakeOllama and FakeOpenAiDialects land
    }
}
