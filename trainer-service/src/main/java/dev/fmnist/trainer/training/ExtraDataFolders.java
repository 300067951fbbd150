package dev.fmnist.trainer.training;

import dev.fmnist.contract.data.ExtraDataset;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.RequestRejectedException;
import dev.fmnist.contract.training.ExtraData;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a request's own images may come from: a dataset folder under fmnist.trainer.extra-data-root,
 * links resolved. Checked when the request arrives (rejected naming {@code extraData.path}) and again
 * just before it trains, since a queued or resumed request may wait long enough for a link in the
 * folder to be pointed elsewhere.
 */
public final class ExtraDataFolders {

    private ExtraDataFolders() {}

    /**
     * A request's own images must be a dataset on this machine, checked when the request arrives (its size, shape
     * and labels; the images are read when it trains): a bad folder is rejected naming {@code extraData.path}.
     */
    public static void require(ExperimentRequest request, Path root) {
        ExtraData extra = request.hyperParameters().extraData();
        if (extra == null) {
            return;
        }
        requireUnder(extra.folder(), root);
        try {
            ExtraDataset.check(extra.folder(), ExtraData.PATH_FIELD);
        } catch (IllegalArgumentException e) {
            String prefix = ExtraData.PATH_FIELD + ": ";
            String rule = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
            throw new RequestRejectedException(ExtraData.PATH_FIELD, rule);
        }
    }

    /** {@code folder}, its links resolved, must lie in {@code root} (fmnist.trainer.extra-data-root). */
    private static void requireUnder(Path folder, Path root) {
        Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (IOException e) {
            throw new RequestRejectedException(ExtraData.PATH_FIELD, "this trainer takes extra data only from "
                    + root.toAbsolutePath() + " (fmnist.trainer.extra-data-root), which does not exist");
        }
        Path realFolder;
        try {
            realFolder = folder.toRealPath();
        } catch (IOException e) {
            throw new RequestRejectedException(ExtraData.PATH_FIELD, folder + " is not a folder under " + realRoot
                    + " (fmnist.trainer.extra-data-root)");
        }
        if (!realFolder.startsWith(realRoot)) {
            throw new RequestRejectedException(ExtraData.PATH_FIELD, folder + " is outside " + realRoot
                    + " (fmnist.trainer.extra-data-root): export the dataset into a folder there");
        }
        // the files too: a link inside the folder must not lead out of the root either
        for (String name : new String[] {ExtraDataset.IMAGES, ExtraDataset.LABELS}) {
            Path file = folder.resolve(name);
            Path realFile;
            try {
                realFile = file.toRealPath();
            } catch (IOException e) {
                continue; // missing: ExtraDataset.check says so, naming the file
            }
            if (!realFile.startsWith(realRoot)) {
                throw new RequestRejectedException(ExtraData.PATH_FIELD, file + " leads outside " + realRoot
                        + " (fmnist.trainer.extra-data-root): export the dataset into a folder there");
            }
        }
    }
}
