package dev.fmnist.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.util.Pair;
import dev.fmnist.engine.training.TrainingCheckpoint.ParameterState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An optimiser whose state a checkpoint can carry. DJL's Adam, AdamW and SGD keep theirs (the moments,
 * the momentum, the update counts) in private fields; these make the same engine update calls with the
 * same arguments, so a run's numbers are the ones DJL's optimisers gave, and they export and import
 * that state keyed by parameter name (DJL keys it by each parameter's random id, which a new process
 * does not share).
 *
 * <p>The state arrays are made on the weight's manager at a parameter's first update, as zeros, or
 * from a checkpoint; DJL detaches its own, so nothing closes them (see the trainer's run scope).
 * A run trains on one device, so there is one set of state arrays per parameter.
 */
abstract class ResumableOptimizer extends Optimizer {

    private final ParameterTracker learningRate;
    private final Map<String, Integer> updateCounts = new ConcurrentHashMap<>();
    private final Map<String, NDArray[]> slots = new ConcurrentHashMap<>();
    private int numUpdate;

    ResumableOptimizer(ParameterTracker learningRate, float weightDecay) {
        super(new Settings().optWeightDecays(weightDecay));
        this.learningRate = learningRate;
    }

    /** The arrays this optimiser keeps per parameter: Adam's two moments, SGD's momentum (none without). */
    abstract int slotCount();

    /** The learning rate of update {@code count} of {@code parameterId}. */
    protected float learningRate(String parameterId, int count) {
        return learningRate.getNewValue(parameterId, count);
    }

    /**
     * As DJL's optimisers count: each parameter's own updates, and the step the schedule sees is the
     * most any parameter has had (all have the same in a run: every parameter is updated every step).
     */
    @Override
    protected int updateCount(String parameterId) {
        int count = updateCounts.merge(parameterId, 1, Integer::sum);
        numUpdate = Math.max(numUpdate, count);
        return numUpdate;
    }

    /** The state arrays of {@code parameterId}, made as zeros like {@code weight} at its first update. */
    protected NDArray[] slots(String parameterId, NDArray weight) {
        return slots.computeIfAbsent(parameterId, id -> {
            NDArray[] made = new NDArray[slotCount()];
            for (int i = 0; i < made.length; i++) {
                made[i] = weight.zerosLike();
            }
            return made;
        });
    }

    /** The state of every trainable parameter of {@code parameters}, in their order, copied to the host. */
    List<ParameterState> exportState(ParameterList parameters) {
        List<ParameterState> states = new ArrayList<>();
        for (Pair<String, Parameter> named : parameters) {
            Parameter parameter = named.getValue();
            if (!parameter.requiresGradient()) {
                continue; // batch norm's running statistics: the forward pass moves them, not the optimiser
            }
            NDArray[] arrays = slots.get(parameter.getId());
            List<float[]> values = new ArrayList<>();
            if (arrays != null) {
                for (NDArray array : arrays) {
                    values.add(array.toFloatArray());
                }
            }
            states.add(new ParameterState(named.getKey(), updateCounts.getOrDefault(parameter.getId(), 0), values));
        }
        return states;
    }

    /**
     * Takes the state {@link #exportState} gave for the same network. Everything is checked before
     * anything is made: a refusal names the parameter and what does not fit.
     *
     * @throws IllegalArgumentException when the states are not those of {@code parameters}' trainable ones
     */
    void importState(ParameterList parameters, List<ParameterState> states) {
        List<Parameter> trainable = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Pair<String, Parameter> named : parameters) {
            if (named.getValue().requiresGradient()) {
                trainable.add(named.getValue());
                names.add(named.getKey());
            }
        }
        if (states.size() != trainable.size()) {
            throw new IllegalArgumentException("optimizer: state for " + states.size() + " parameters, the network"
                    + " trains " + trainable.size());
        }
        for (int i = 0; i < states.size(); i++) {
            ParameterState state = states.get(i);
            String field = "optimizer." + state.name();
            if (!state.name().equals(names.get(i))) {
                throw new IllegalArgumentException(field + ": expected parameter " + names.get(i) + " at position " + i);
            }
            int expected = state.updates() == 0 ? 0 : slotCount();
            if (state.slots().size() != expected) {
                throw new IllegalArgumentException(field + ".slots: " + state.slots().size() + " arrays, this optimiser"
                        + " keeps " + expected + " after " + state.updates() + " updates");
            }
            long size = trainable.get(i).getArray().size();
            for (float[] slot : state.slots()) {
                if (slot.length != size) {
                    throw new IllegalArgumentException(field + ".slots: " + slot.length + " values, the parameter has "
                            + size);
                }
            }
        }
        updateCounts.clear();
        slots.clear();
        numUpdate = 0;
        for (int i = 0; i < states.size(); i++) {
            ParameterState state = states.get(i);
            NDArray weight = trainable.get(i).getArray();
            String id = trainable.get(i).getId();
            if (state.updates() > 0) {
                updateCounts.put(id, state.updates());
                numUpdate = Math.max(numUpdate, state.updates());
            }
            if (!state.slots().isEmpty()) {
                NDArray[] made = new NDArray[state.slots().size()];
                for (int s = 0; s < made.length; s++) {
                    made[s] = ParameterArrays.copyOf(weight.getManager(), state.slots().get(s), weight.getShape());
                }
                slots.put(id, made);
            }
        }
    }

    /** The state arrays now held (tests look at their lifetime). */
    List<NDArray> stateArrays() {
        return slots.values().stream().flatMap(Arrays::stream).toList();
    }

    /** The manager-free settings DJL's Optimizer constructor reads: the weight decay; the rest as DJL's default. */
    private static final class Settings extends OptimizerBuilder<Settings> {
        @Override
        protected Settings self() {
            return this;
        }
    }
}
