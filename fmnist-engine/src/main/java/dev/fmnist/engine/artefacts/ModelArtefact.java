package dev.fmnist.engine.artefacts;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.fmnist.engine.data.FashionMnist;
import dev.fmnist.engine.networks.Initialization;
import dev.fmnist.engine.networks.Network;
import dev.fmnist.engine.training.ComputeEngine;
import dev.fmnist.engine.training.TrainingResult;
import dev.fmnist.engine.util.Sha256;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained model: its manifest and its parameters (DJL's parameter format). Instances are only made
 * from a training result or by {@link ArtefactCodec#decode}, which verifies the checksum and the
 * architecture, so an instance's parameters always match its manifest.
 */
public final class ModelArtefact {

    private static final Shape SINGLE_IMAGE = new Shape(1, 1, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE);

    private final ModelManifest manifest;
    private final byte[] parameters;

    ModelArtefact(ModelManifest manifest, byte[] parameters) {
        this.manifest = manifest;
        this.parameters = parameters;
    }

    /** Wraps a finished run; {@code experimentId} may be null for a local run. */
    public static ModelArtefact of(TrainingResult result, String experimentId, Instant createdAt) {
        ModelManifest manifest = new ModelManifest(ModelManifest.FORMAT_VERSION, result.spec().architecture().id(),
                result.spec().k(), experimentId, result.hyperParameters(), result.trainImages(), result.epochs(),
                result.testAccuracy(), result.parameterCount(), result.device(), ComputeEngine.djlVersion(),
                ComputeEngine.pytorchVersion(), createdAt.toString(), Sha256.hex(result.parameters()));
        return new ModelArtefact(manifest, result.parameters().clone());
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /** A copy of the parameter bytes. */
    public byte[] parameters() {
        return parameters.clone();
    }

    /**
     * A DJL model on {@code device} holding these parameters; the caller closes it. The network is
     * rebuilt from the manifest and every parameter's name and shape must match it.
     */
    public Model newModel(Device device) {
        Network network = manifest.networkSpec().newNetwork(Initialization.PYTORCH);
        Block block = network.block();
        Model model = Model.newInstance(manifest.networkSpec().label(), device, ComputeEngine.ENGINE_NAME);
        try {
            List<Shape> expected = new ArrayList<>();
            try (NDManager scratch = model.getNDManager().newSubManager()) {
                // initialise only to learn the expected shapes; the loaded arrays replace these
                block.initialize(scratch, DataType.FLOAT32, SINGLE_IMAGE);
                block.getParameters().values().forEach(p -> expected.add(p.getArray().getShape()));
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters));
                block.loadParameters(model.getNDManager(), in);
                if (in.available() > 0) {
                    throw new ArtefactException("parameters have " + in.available() + " bytes more than "
                            + manifest.networkSpec().label() + " takes");
                }
            }
            int i = 0;
            for (Pair<String, Parameter> parameter : block.getParameters()) {
                Shape actual = parameter.getValue().getArray().getShape();
                if (!actual.equals(expected.get(i++))) {
                    throw new ArtefactException("parameter " + parameter.getKey() + " has shape " + actual + ", "
                            + manifest.networkSpec().label() + " expects " + expected.get(i - 1));
                }
            }
            model.setBlock(block);
            return model;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            if (e instanceof ArtefactException artefactException) {
                throw artefactException;
            }
            throw new ArtefactException("parameters do not fit " + manifest.networkSpec().label() + ": "
                    + e.getMessage(), e);
        }
    }
}
