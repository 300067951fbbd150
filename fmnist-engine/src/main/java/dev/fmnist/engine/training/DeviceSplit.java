package dev.fmnist.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.engine.util.NativeArrays;

/**
 * A split held on the compute device once, so batches are sliced or gathered there instead of being
 * built image by image: images float32 [N, 1, 28, 28] scaled to [0, 1] as ToTensor() does, labels
 * int64 [N].
 */
record DeviceSplit(NDArray images, NDArray labels) {

    /** Copies {@code split} into arrays owned by {@code manager}. */
    static DeviceSplit of(NDManager manager, FashionMnist.Split split) {
        int n = split.size();
        try (NDManager staging = manager.newSubManager()) {
            NDArray bytes = NativeArrays.unsignedBytes(staging,
                    new Shape(n, 1, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE), split.images());
            NDArray images = bytes.toType(DataType.FLOAT32, false).divi(Pixels.MAX_LEVEL);
            NDArray labels = NativeArrays.unsignedBytes(staging, new Shape(n), split.labels())
                    .toType(DataType.INT64, false);
            images.attach(manager);
            labels.attach(manager);
            return new DeviceSplit(images, labels);
        }
    }

    long size() {
        return labels.getShape().get(0);
    }

    /** Images and labels at {@code index} (an int64 array of positions), owned by {@code manager}. */
    NDArray[] gather(NDManager manager, NDArray index) {
        NDIndex at = new NDIndex("{}", index);
        return new NDArray[] {images.get(manager, at), labels.get(manager, at)};
    }

    /** Labels at {@code index}, owned by {@code manager}. */
    NDArray labels(NDManager manager, NDArray index) {
        return labels.get(manager, new NDIndex("{}", index));
    }

    /** Images and labels from {@code from} (inclusive) to {@code to} (exclusive), owned by {@code manager}. */
    NDArray[] slice(NDManager manager, long from, long to) {
        NDIndex range = new NDIndex("{}:{}", from, to);
        return new NDArray[] {images.get(manager, range), labels.get(manager, range)};
    }
}
