package dev.switchboard.pipeline;

import dev.switchboard.api.ChatRequest;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.pipeline.RequestContext.Target;
import dev.switchboard.tokens.TokenCounter;
import java.util.EnumMap;
import java.util.Map;

/**
 * One request's prompt in the tokens of each model it may reach (see {@link TokenCounter}): the caller's limit,
 * the budget's worst case and each target's rate limits ask for it, each count made once while the request
 * stays as it is.
 */
final class PromptTokens {
    private final Map<TokenCounter.Scheme, Long> counts = new EnumMap<>(TokenCounter.Scheme.class);
    private ChatRequest counted;

    /** The prompt in the tokens of one target of the chain. */
    long at(ChatRequest request, Target target) {
        return in(request, TokenCounter.scheme(target.provider().type(), target.upstreamId()));
    }

    /** The prompt in the tokens of the model a name reaches, before any rule has routed it (o200k_base scaled when unknown). */
    long forName(ChatRequest request, String name, Catalog cat) {
        var model = cat.model(name);
        if (model.isPresent()) {
            String provider = model.get().provider();
            return in(request, TokenCounter.scheme(cat.provider(provider).map(ProviderSpec::type).orElse(null), model.get().upstreamId()));
        }
        int slash = name.indexOf('/');
        ProviderSpec provider = slash > 0 ? cat.provider(name.substring(0, slash)).orElse(null) : null;
        return in(request, TokenCounter.scheme(provider == null ? null : provider.type(), name.substring(slash + 1)));
    }

    /** The prompt in the tokens of the model that served it. */
    long served(RequestContext ctx) {
        String upstreamId = ctx.servedModel != null ? ctx.servedModel.upstreamId() : ctx.servedModelName;
        return in(ctx.request, TokenCounter.scheme(ctx.servedProvider == null ? null : ctx.servedProvider.type(), upstreamId));
    }

    private long in(ChatRequest request, TokenCounter.Scheme scheme) {
        if (request != counted) {
            counts.clear();
            counted = request;
        }
        return counts.computeIfAbsent(scheme, s -> TokenCounter.chatPrompt(request.body(), s));
    }
}
