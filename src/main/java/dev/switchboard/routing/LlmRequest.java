package dev.switchboard.routing;

import java.util.Map;
import java.util.Set;

/**
 * The request as business rules see it: plain facts about what was asked, never the prompt itself.
 * Field names are what a DRL file matches on ({@code LlmRequest(taskType == "code", estimatedTokens > 8000)}).
 */
public final class LlmRequest {
    /** Values {@code taskType} may take; anything else is refused at the API edge so a rule's typo cannot hide. */
    public static final Set<String> TASK_TYPES = Set.of(
            "chat", "code", "math", "reasoning", "summarization", "translation", "extraction", "classification", "creative", "search");
    /** Values {@code userTier} may take. */
    public static final Set<String> USER_TIERS = Set.of("free", "standard", "premium", "enterprise");
    /** The tier of a caller without an agent key that does not say one: the least, so no rule for free users is skipped. */
    public static final String UNKEYED_USER_TIER = "free";

    private final String model;
    private final String agentId;
    private final String taskType;
    private final String userTier;
    private final int contentLength;
    private final int estimatedTokens;
    private final boolean containsCode;
    private final boolean containsMath;
    private final boolean hasTools;
    private final boolean hasImages;
    private final boolean stream;
    private final Set<String> tags;
    private final Map<String, String> metadata;

    public LlmRequest(String model, String agentId, String taskType, String userTier, int contentLength, int estimatedTokens,
                      boolean containsCode, boolean containsMath, boolean hasTools, boolean hasImages, boolean stream,
                      Set<String> tags, Map<String, String> metadata) {
        this.model = model;
        this.agentId = agentId;
        this.taskType = taskType;
        this.userTier = userTier;
        this.contentLength = contentLength;
        this.estimatedTokens = estimatedTokens;
        this.containsCode = containsCode;
        this.containsMath = containsMath;
        this.hasTools = hasTools;
        this.hasImages = hasImages;
        this.stream = stream;
        this.tags = Set.copyOf(tags);
        this.metadata = Map.copyOf(metadata);
    }

    /**
     * The model the caller asked for, as the catalog names it: {@code openai/gpt-4o} (or a dated snapshot such as
     * {@code openai/gpt-4o-2024-08-06}) reads {@code gpt-4o} when the catalog serves gpt-4o on openai, so a rule on
     * catalog names holds however the caller spells the model. Empty when the caller named none.
     */
    public String getModel() { return model; }
    /** Who is calling: the agent whose key came with the request, else what the caller says, else "anonymous". */
    public String getAgentId() { return agentId; }
    /** What the caller says the task is: one of {@link #TASK_TYPES}, "chat" when unsaid. */
    public String getTaskType() { return taskType; }
    /**
     * The caller's tier, one of {@link #USER_TIERS}: an agent's is set on the agent ("standard" unless its operator
     * says); a caller without a key says it in a header, {@link #UNKEYED_USER_TIER} when it does not.
     */
    public String getUserTier() { return userTier; }
    /** Characters of text across all messages. */
    public int getContentLength() { return contentLength; }
    /** A rough token count of the prompt (characters / 4). */
    public int getEstimatedTokens() { return estimatedTokens; }
    public boolean isContainsCode() { return containsCode; }
    public boolean isContainsMath() { return containsMath; }
    public boolean isHasTools() { return hasTools; }
    public boolean isHasImages() { return hasImages; }
    public boolean isStream() { return stream; }
    public Set<String> getTags() { return tags; }
    public Map<String, String> getMetadata() { return metadata; }

    /** The same request, with the model read as {@code model}. */
    public LlmRequest withModel(String model) {
        return new LlmRequest(model, agentId, taskType, userTier, contentLength, estimatedTokens, containsCode, containsMath,
                hasTools, hasImages, stream, tags, metadata);
    }

    @Override
    public String toString() {
        return "LlmRequest[model=" + model + ", agent=" + agentId + ", task=" + taskType + ", tier=" + userTier
                + ", tokens~" + estimatedTokens + "]";
    }
}
