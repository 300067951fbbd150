package dev.fmnist.engine.artefacts;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.fmnist.contract.artefacts.ArtefactException;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.Initialization;
import dev.fmnist.contract.util.Sha256;
import dev.fmnist.engine.networks.Networks;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.training.TrainingResult;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Between the contract's artefacts and DJL: a training result made an artefact, an artefact made a model. */
public final class ArtefactModels {

    private static final Shape SINGLE_IMAGE = new Shape(1, 1, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE);

    private ArtefactModels() {}

    /** Wraps a finished run; {@code experimentId} may be null for a local run. */
    public static ModelArtefact of(TrainingResult result, String experimentId, Instant createdAt) {
        byte[] parameters = result.parameters();
        ModelManifest manifest = ModelManifest.of(result.spec(), experimentId, result.hyperParameters(),
                result.trainImages(), result.epochs(), result.testAccuracy(), result.parameterCount(), result.device(),
                result.djlVersion(), result.pytorchVersion(), createdAt.toString(), Sha256.hex(parameters),
                result.testPredicted());
        return ModelArtefact.of(manifest, parameters);
    }

    /**
     * A DJL model on {@code engine}'s device holding the artefact's parameters; the caller closes it. The network
     * is rebuilt from the manifest and every parameter's name and shape must match it.
     *
     * @throws ArtefactException when the parameters do not fit the network
     */
    public static Model newModel(ModelArtefact artefact, ComputeEngine engine) {
        NetworkSpec spec = artefact.manifest().networkSpec();
        // the same layers the trainer saved, dropout included: it holds no weights and passes values
        // through outside training, but each layer has its own record in the parameter file
        Block block = Networks.build(spec, Initialization.PYTORCH, artefact.manifest().hyperParameters().dropout())
                .block();
        Model model = engine.newModel(spec.label());
        try {
            List<Shape> expected = new ArrayList<>();
            try (NDManager scratch = model.getNDManager().newSubManager()) {
                // initialise only to learn the expected shapes; the loaded arrays replace these
                block.initialize(scratch, DataType.FLOAT32, SINGLE_IMAGE);
                block.getParameters().values().forEach(p -> expected.add(p.getArray().getShape()));
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(artefact.parameters()));
                block.loadParameters(model.getNDManager(), in);
                if (in.available() > 0) {
                    throw new ArtefactException("parameters have " + in.available() + " bytes more than "
                            + spec.label() + " takes");
                }
            }
            int i = 0;
            for (Pair<String, Parameter> parameter : block.getParameters()) {
                Shape actual = parameter.getValue().getArray().getShape();
                if (!actual.equals(expected.get(i++))) {
                    throw new ArtefactException("parameter " + parameter.getKey() + " has shape " + actual + ", "
                            + spec.label() + " expects " + expected.get(i - 1));
                }
            }
            model.setBlock(block);
            return model;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            if (e instanceof ArtefactException artefactException) {
                throw artefactException;
            }
            throw new ArtefactException("parameters do not fit " + spec.label() + ": " + e.getMessage(), e);
        }
    }
}
