package dev.switchboard.resilience;

import dev.switchboard.catalog.Deployment;
import dev.switchboard.catalog.ModelSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Orders a model's deployments for one request by the model's strategy; the chain then tries them in that
 * order, so a deployment whose breaker is open or whose rate limit is spent is skipped for the next one.
 */
public final class LoadBalancer {
    private final ModelHealth health;

    public LoadBalancer(ModelHealth health) {
        this.health = health;
    }

    public List<Deployment> order(ModelSpec model) {
        List<Deployment> all = model.deployments();
        if (all.size() == 1) {
            return all;
        }
        return switch (model.balance()) {
            case WEIGHTED -> weighted(all);
            case LEAST_BUSY -> sorted(all, Comparator.comparingInt(d -> health.inFlight(d.key())));
            case LOWEST_LATENCY -> sorted(all, Comparator.comparingLong(this::latencyOrUnknown));
        };
    }

    /** Unknown latency sorts first: a deployment nobody has measured gets a chance to be measured. */
    private long latencyOrUnknown(Deployment d) {
        return health.snapshot(d.key()).map(ModelHealth.Snapshot::latencyP50Ms).orElse(-1L);
    }

    private static List<Deployment> sorted(List<Deployment> all, Comparator<Deployment> by) {
        List<Deployment> copy = new ArrayList<>(all);
        copy.sort(by);
        return copy;
    }

    /** Weighted random order without replacement: the first pick is in proportion to weight, and so on. */
    private static List<Deployment> weighted(List<Deployment> all) {
        List<Deployment> left = new ArrayList<>(all);
        List<Deployment> order = new ArrayList<>(all.size());
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!left.isEmpty()) {
            int total = left.stream().mapToInt(Deployment::weight).sum();
            int pick = random.nextInt(total);
            for (int i = 0; i < left.size(); i++) {
                pick -= left.get(i).weight();
                if (pick < 0) {
                    order.add(left.remove(i));
                    break;
                }
            }
        }
        return order;
    }
}
