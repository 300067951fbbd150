package dev.fmnist.engine.torchscript;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The {@code data.pkl} of a TorchScript archive for a module whose attributes are float tensors: the
 * few pickle opcodes (protocol 2) torch.jit.save itself writes for such a module, each tensor a
 * reference to a storage record of the archive ({@code data/KEY}) rebuilt by
 * {@code torch._utils._rebuild_tensor_v2}.
 */
final class ModulePickle {

    private static final int PROTOCOL = 2;
    private static final byte PROTO = (byte) 0x80;
    private static final byte GLOBAL = 'c';
    private static final byte EMPTY_TUPLE = ')';
    private static final byte NEWOBJ = (byte) 0x81;
    private static final byte EMPTY_DICT = '}';
    private static final byte MARK = '(';
    private static final byte BINUNICODE = 'X';
    private static final byte TUPLE = 't';
    private static final byte BINPERSID = 'Q';
    private static final byte BININT = 'J';
    private static final byte NEWTRUE = (byte) 0x88;
    private static final byte NEWFALSE = (byte) 0x89;
    private static final byte REDUCE = 'R';
    private static final byte SETITEMS = 'u';
    private static final byte BUILD = 'b';
    private static final byte NONE = 'N';
    private static final byte STOP = '.';

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private ModulePickle() {}

    /**
     * An object of the TorchScript class {@code __torch__.CLASS_NAME}, out of training mode, with each of
     * {@code tensors} as an attribute (in order) holding the float storage record named by its key.
     */
    static byte[] module(String className, Map<String, StoredTensor> tensors) {
        ModulePickle pickle = new ModulePickle();
        pickle.op(PROTO).out.write(PROTOCOL);
        pickle.global("__torch__", className).op(EMPTY_TUPLE).op(NEWOBJ).op(EMPTY_DICT).op(MARK);
        tensors.forEach((name, tensor) -> pickle.string(name).tensor(tensor));
        pickle.string("training").op(NEWFALSE);
        pickle.string("_is_full_backward_hook").op(NONE);
        pickle.op(SETITEMS).op(BUILD).op(STOP);
        return pickle.out.toByteArray();
    }

    /** The constants table: the archive's forward code uses none. */
    static byte[] emptyTuple() {
        ModulePickle pickle = new ModulePickle();
        pickle.op(PROTO).out.write(PROTOCOL);
        return pickle.op(EMPTY_TUPLE).op(STOP).out.toByteArray();
    }

    /** A contiguous float tensor of {@code shape} whose values are the storage record {@code key}. */
    record StoredTensor(String key, long[] shape, boolean requiresGrad) {

        long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    private ModulePickle tensor(StoredTensor tensor) {
        global("torch._utils", "_rebuild_tensor_v2").op(MARK);
        op(MARK).string("storage").global("torch", "FloatStorage").string(tensor.key()).string("cpu")
                .integer(tensor.elements()).op(TUPLE).op(BINPERSID);
        integer(0); // storage offset
        op(MARK);
        for (long d : tensor.shape()) {
            integer(d);
        }
        op(TUPLE).op(MARK);
        long stride = 1;
        long[] strides = new long[tensor.shape().length];
        for (int i = strides.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= tensor.shape()[i];
        }
        for (long s : strides) {
            integer(s);
        }
        op(TUPLE).op(tensor.requiresGrad() ? NEWTRUE : NEWFALSE);
        global("collections", "OrderedDict").op(EMPTY_TUPLE).op(REDUCE); // no backward hooks
        return op(TUPLE).op(REDUCE);
    }

    private ModulePickle op(byte opcode) {
        out.write(opcode);
        return this;
    }

    private ModulePickle global(String module, String name) {
        op(GLOBAL);
        byte[] text = (module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII);
        out.write(text, 0, text.length);
        return this;
    }

    private ModulePickle string(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        op(BINUNICODE).int32(utf8.length);
        out.write(utf8, 0, utf8.length);
        return this;
    }

    private ModulePickle integer(long value) {
        return op(BININT).int32(Math.toIntExact(value));
    }

    private ModulePickle int32(int value) {
        for (int shift = 0; shift < Integer.SIZE; shift += Byte.SIZE) {
            out.write(value >>> shift);
        }
        return this;
    }
}
