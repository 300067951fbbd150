package dev.fmnist.inference.serving;

import dev.fmnist.contract.data.FashionMnist;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What this server says about itself, the same over gRPC and REST: its name and version, the Triton
 * extensions it answers, the platform of its models, and the input and output tensors every model
 * has (the batch dimension first, -1: any size up to the batcher's): a request sends exactly one of
 * the inputs, pixels or encoded images.
 */
@ApplicationScoped
public class InferenceServer {

    public static final String SERVER_NAME = "fmnist-inference";
    /** What ServerMetadata announces: the Triton extensions answered here. */
    public static final List<String> EXTENSIONS = List.of("model_configuration", "model_repository", "statistics",
            "binary_tensor_data", "classification");

    /** A tensor as model metadata describes it. */
    public record Tensor(String name, String datatype, List<Long> shape) {

        /** The shape without its batch dimension, as Triton's model configuration states it. */
        public List<Long> dims() {
            return shape.subList(1, shape.size());
        }
    }

    public static final Tensor INPUT = new Tensor(InferRequestRules.INPUT, "FP32", List.of(-1L, 1L,
            (long) FashionMnist.IMAGE_SIDE, (long) FashionMnist.IMAGE_SIDE));
    /**
     * The optional second input: one PNG or JPEG file per element, as Triton's BYTES tensors carry
     * strings; [N, 1] as Triton states a batched BYTES input (dims [1]), [N] accepted too.
     */
    public static final Tensor ENCODED_INPUT = new Tensor(InferRequestRules.ENCODED_INPUT, "BYTES", List.of(-1L, 1L));
    public static final Tensor OUTPUT = new Tensor(InferRequestRules.OUTPUT, "FP32", List.of(-1L,
            (long) FashionMnist.CLASSES));

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev")
    String version;

    /** The server's version: the application's, as packaged. */
    public String version() {
        return version;
    }
}
