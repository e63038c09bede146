package dev.switchboard.catalog;

/**
 * One place a model is served: a provider (its own key, region or vendor) and the name it goes by there.
 * {@code key} names the deployment's route, breaker and health entry: the model id when it has one
 * deployment, {@code <model>.d<index>} when it has several.
 */
public record Deployment(String key, String provider, String upstreamId, int weight) {
}
