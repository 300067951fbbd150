package dev.fmnist.engine.torchscript;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import dev.fmnist.engine.networks.Layer;
import dev.fmnist.engine.networks.Network;
import dev.fmnist.engine.torchscript.ModulePickle.StoredTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A network's trained block written as a TorchScript module: the archive torch.jit.save writes (forward
 * code, a pickle of the module's tensors, one storage record per tensor), which torch.jit.load and DJL's
 * PyTorch engine load. Its forward pass is one call into libtorch's interpreter instead of one JNI
 * crossing per layer from DJL's block traversal; it runs the same aten operators on the same values, in
 * the same order and memory layout, and ends in the softmax, so it answers class probabilities.
 */
public final class TorchScriptExport {

    /** The module's TorchScript class, {@code __torch__.FashionMnistNet}. */
    public static final String CLASS_NAME = "FashionMnistNet";
    /** Every record sits under this folder; libtorch takes the folder from the first record's name. */
    private static final String ARCHIVE_FOLDER = "fmnist/";
    /** The file format torch.jit.save writes for modules without newer operators. */
    private static final String FILE_FORMAT_VERSION = "3";
    private static final String INDENT = "    ";
    /** Code, pickles and zip headers: a few kilobytes for the registry's networks. */
    private static final int ARCHIVE_OVERHEAD_BYTES = 1 << 16;
    private static final int COPY_CHUNK_BYTES = 1 << 16;
    /** The archive is built in one byte array. */
    private static final long MAX_ARCHIVE_BYTES = Integer.MAX_VALUE - 8;

    private TorchScriptExport() {}

    /**
     * The archive of {@code network}'s forward pass with the parameters of {@code trained}, a block built
     * from the same network (one child per layer) and initialised or loaded; its input is a batch of
     * {@code [N, channels, height, width]} images in plain NCHW.
     *
     * @throws IllegalArgumentException when {@code trained} does not have the network's layers
     */
    public static byte[] archive(Network network, Block trained, int channels, int height, int width) {
        List<Layer> layers = network.layers();
        List<Block> children = new ArrayList<>(trained.getChildren().values());
        if (children.size() != layers.size()) {
            throw new IllegalArgumentException("trained: " + children.size() + " layers, " + network.spec().label()
                    + " has " + layers.size());
        }
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        List<NDArray> values = new ArrayList<>();
        List<String> buffers = new ArrayList<>();
        StringBuilder forward = new StringBuilder();
        // NCHW by shape, channels-last in memory, as dev.fmnist.engine.networks.ChannelsLast hands the block
        // its input: oneDNN then runs its NHWC kernels without reordering. Flattening the NHWC view gives
        // fresh strides (a reshape to the same shape keeps the old ones, and with one channel those say NCHW)
        String x = "x0";
        forward.append(INDENT).append(INDENT).append("n = torch.size(x, 0)\n");
        forward.append(INDENT).append(INDENT).append("nhwc = torch.reshape(torch.reshape(torch.permute(x, [0, 2, 3, 1]), ")
                .append("[n, ").append((long) height * width * channels).append("]), [n, ").append(height).append(", ")
                .append(width).append(", ").append(channels).append("])\n");
        forward.append(INDENT).append(INDENT).append(x).append(" = torch.permute(nhwc, [0, 3, 1, 2])\n");
        for (int i = 0; i < layers.size(); i++) {
            String call = call(layers.get(i), x, children.get(i), "l" + i + "_", tensors, values, buffers);
            if (call != null) {
                x = "x" + (i + 1);
                forward.append(INDENT).append(INDENT).append(x).append(" = ").append(call).append('\n');
            }
        }
        forward.append(INDENT).append(INDENT).append("return torch.softmax(").append(x).append(", 1)\n");
        return zip(code(tensors.keySet(), buffers, forward), tensors, values);
    }

    /**
     * The TorchScript expression of {@code layer} applied to {@code x}, storing its parameters under
     * attributes named from {@code prefix}; null for a layer that passes values through.
     */
    private static String call(Layer layer, String x, Block child, String prefix, Map<String, StoredTensor> tensors,
            List<NDArray> values, List<String> buffers) {
        if (layer instanceof Layer.Conv conv) {
            return "torch.conv2d(" + x + ", self." + store(prefix + "weight", child, "weight", tensors, values)
                    + ", self." + store(prefix + "bias", child, "bias", tensors, values) + ", [1, 1], ["
                    + conv.padding() + ", " + conv.padding() + "])";
        }
        if (layer instanceof Layer.BatchNorm norm) {
            String gamma = store(prefix + "weight", child, "gamma", tensors, values);
            String beta = store(prefix + "bias", child, "beta", tensors, values);
            String mean = store(prefix + "running_mean", child, "runningMean", tensors, values);
            String variance = store(prefix + "running_var", child, "runningVar", tensors, values);
            buffers.add(mean);
            buffers.add(variance);
            // training False: the running statistics normalise and the momentum is unused
            return "torch.batch_norm(" + x + ", self." + gamma + ", self." + beta + ", self." + mean + ", self."
                    + variance + ", False, 0.1, " + (double) norm.epsilon() + ", True)";
        }
        if (layer instanceof Layer.MaxPool pool) {
            return "torch.max_pool2d(" + x + ", [" + pool.size() + ", " + pool.size() + "], [" + pool.size() + ", "
                    + pool.size() + "])";
        }
        if (layer instanceof Layer.Relu) {
            return "torch.relu(" + x + ")";
        }
        if (layer instanceof Layer.Flatten) {
            return "torch.flatten(" + x + ", 1)";
        }
        if (layer instanceof Layer.Dense) {
            return "torch.linear(" + x + ", self." + store(prefix + "weight", child, "weight", tensors, values)
                    + ", self." + store(prefix + "bias", child, "bias", tensors, values) + ")";
        }
        if (layer instanceof Layer.Dropout) {
            return null;
        }
        throw new IllegalArgumentException("layer " + layer + " has no TorchScript form");
    }

    /** Copies {@code child}'s parameter {@code name} as the module's tensor {@code attribute}. */
    private static String store(String attribute, Block child, String name, Map<String, StoredTensor> tensors,
            List<NDArray> values) {
        Parameter parameter = child.getParameters().get(name);
        if (parameter == null || !parameter.isInitialized()) {
            throw new IllegalArgumentException("trained: layer " + attribute + " has no initialised parameter " + name);
        }
        NDArray array = parameter.getArray();
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("trained: " + attribute + " is " + array.getDataType() + ", not float32");
        }
        if (array.size() > Integer.MAX_VALUE) { // sizes and strides are pickled as 32-bit integers
            throw new IllegalArgumentException("trained: " + attribute + " has " + array.size() + " values, more than "
                    + Integer.MAX_VALUE);
        }
        tensors.put(attribute, new StoredTensor(String.valueOf(values.size()), array.getShape().getShape(), false));
        values.add(array);
        return attribute;
    }

    /** The module's class in TorchScript's serialized source, as torch.jit.save writes it. */
    private static String code(Iterable<String> tensors, List<String> buffers, CharSequence forward) {
        StringBuilder code = new StringBuilder("class ").append(CLASS_NAME).append("(Module):\n");
        StringBuilder parameters = new StringBuilder();
        StringBuilder declarations = new StringBuilder();
        for (String tensor : tensors) {
            if (!buffers.contains(tensor)) {
                parameters.append('"').append(tensor).append("\", ");
            }
            declarations.append(INDENT).append(tensor).append(" : Tensor\n");
        }
        code.append(INDENT).append("__parameters__ = [").append(parameters).append("]\n");
        code.append(INDENT).append("__buffers__ = [");
        buffers.forEach(b -> code.append('"').append(b).append("\", "));
        code.append("]\n").append(declarations);
        code.append(INDENT).append("training : bool\n");
        code.append(INDENT).append("_is_full_backward_hook : Optional[bool]\n");
        code.append(INDENT).append("def forward(self: __torch__.").append(CLASS_NAME).append(", x: Tensor) -> Tensor:\n");
        return code.append(forward).toString();
    }

    private static byte[] zip(String code, Map<String, StoredTensor> tensors, List<NDArray> values) {
        long tensorBytes = values.stream().mapToLong(a -> a.size() * Float.BYTES).sum();
        if (tensorBytes > MAX_ARCHIVE_BYTES - ARCHIVE_OVERHEAD_BYTES) {
            throw new IllegalArgumentException("trained: " + tensorBytes + " bytes of parameters, more than an archive "
                    + "held in memory takes (" + MAX_ARCHIVE_BYTES + ")");
        }
        // sized once: the archive is mostly the tensors, and a model swap should not leave copies behind
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.toIntExact(tensorBytes + ARCHIVE_OVERHEAD_BYTES));
        byte[] chunk = new byte[COPY_CHUNK_BYTES];
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            // libtorch reads records as they are stored: no compression
            stored(zip, "data.pkl", ModulePickle.module(CLASS_NAME, tensors));
            stored(zip, "code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            stored(zip, "constants.pkl", ModulePickle.emptyTuple());
            stored(zip, "version", (FILE_FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < values.size(); i++) {
                NDArray array = values.get(i);
                // a GPU parameter's host copy lives only while it is written, not as long as the block
                try (NDManager scratch = array.getManager().newSubManager(Device.cpu())) {
                    NDArray host = array;
                    if (!array.getDevice().equals(Device.cpu())) {
                        host = array.toDevice(Device.cpu(), true);
                        host.attach(scratch);
                    }
                    stored(zip, "data/" + i, littleEndian(host), chunk);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /** The array's values as little-endian floats, as storage records hold them. */
    private static ByteBuffer littleEndian(NDArray array) {
        ByteBuffer values = array.toByteBuffer();
        if (values.order() == ByteOrder.LITTLE_ENDIAN) {
            return values;
        }
        ByteBuffer swapped = ByteBuffer.allocate(values.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        swapped.asFloatBuffer().put(values.asFloatBuffer());
        return swapped;
    }

    private static void stored(ZipOutputStream zip, String name, ByteBuffer content, byte[] chunk) throws IOException {
        ZipEntry entry = new ZipEntry(ARCHIVE_FOLDER + name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(content.remaining());
        CRC32 crc = new CRC32();
        crc.update(content.duplicate());
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        ByteBuffer rest = content.duplicate();
        while (rest.hasRemaining()) {
            int n = Math.min(chunk.length, rest.remaining());
            rest.get(chunk, 0, n);
            zip.write(chunk, 0, n);
        }
        zip.closeEntry();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] content) throws IOException {
        stored(zip, name, ByteBuffer.wrap(content), new byte[content.length]);
    }
}
