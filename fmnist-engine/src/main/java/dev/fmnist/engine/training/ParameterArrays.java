package dev.fmnist.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.util.Pair;
import dev.fmnist.engine.training.TrainingCheckpoint.NamedArray;
import java.util.ArrayList;
import java.util.List;

/** A network's parameter values to and from the host, by name and in the network's order. */
final class ParameterArrays {

    private ParameterArrays() {}

    /** Every parameter's values (batch norm's running statistics included), copied to the host. */
    static List<NamedArray> read(Block block) {
        List<NamedArray> arrays = new ArrayList<>();
        for (Pair<String, Parameter> named : block.getParameters()) {
            arrays.add(new NamedArray(named.getKey(), named.getValue().getArray().toFloatArray()));
        }
        return arrays;
    }

    /**
     * Replaces every parameter's values with {@code arrays}, which must name the same parameters in the
     * same order with the same sizes; all is checked before anything is replaced. Each parameter keeps
     * its array object (the trainer's parameter store and the optimiser hold it) and takes a fresh
     * tensor, so the values sit in memory the engine allocated, as a run's own do.
     *
     * @throws IllegalArgumentException naming {@code field} and the parameter that does not fit
     */
    static void write(Block block, List<NamedArray> arrays, String field) {
        check(block, arrays, field);
        ParameterList parameters = block.getParameters();
        for (int i = 0; i < arrays.size(); i++) {
            Parameter parameter = parameters.get(i).getValue();
            NDArray current = parameter.getArray();
            current.intern(copyOf(current.getManager(), arrays.get(i).values(), current.getShape()));
            if (parameter.requiresGradient()) {
                current.setRequiresGradient(true); // a property of the tensor, which is new
            }
        }
    }

    /** Whether {@code arrays} could be written to {@code block}; refuses as {@link #write} does. */
    static void check(Block block, List<NamedArray> arrays, String field) {
        ParameterList parameters = block.getParameters();
        if (arrays.size() != parameters.size()) {
            throw new IllegalArgumentException(field + ": " + arrays.size() + " arrays, the network has "
                    + parameters.size() + " parameters");
        }
        for (int i = 0; i < arrays.size(); i++) {
            String name = parameters.get(i).getKey();
            NamedArray array = arrays.get(i);
            if (!array.name().equals(name)) {
                throw new IllegalArgumentException(field + "[" + i + "]: " + array.name() + " where the network has "
                        + name);
            }
            NDArray current = parameters.get(i).getValue().getArray();
            if (current.getDataType() != DataType.FLOAT32 || array.values().length != current.size()) {
                throw new IllegalArgumentException(field + "." + name + ": " + array.values().length
                        + " values, the parameter has " + current.size() + " " + current.getDataType());
            }
        }
    }

    /**
     * {@code values} as an array of {@code shape} owned by {@code manager}, in memory the engine
     * allocated: on the CPU DJL's create wraps the Java buffer, whose alignment differs, and a kernel
     * may take another path on another alignment.
     */
    static NDArray copyOf(NDManager manager, float[] values, Shape shape) {
        try (NDArray wrapped = manager.create(values, shape)) {
            return wrapped.duplicate();
        }
    }
}
