package dev.fmnist.trainer.training;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Experiment ids someone asked to cancel. Kept even before the request arrives (a cancel may
 * overtake its request), bounded so a flood of cancels cannot grow memory.
 */
@ApplicationScoped
public class CancellationRegistry {

    static final int CAPACITY = 10_000;

    private final Set<String> cancelled = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<String, Boolean>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > CAPACITY;
                }
            }));

    public void cancel(String experimentId) {
        cancelled.add(experimentId);
    }

    /** True when the experiment, or the sweep it belongs to, was cancelled. */
    public boolean isCancelled(String experimentId, String parentId) {
        return cancelled.contains(experimentId) || (parentId != null && cancelled.contains(parentId));
    }
}
