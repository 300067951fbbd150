package dev.fmnist.contract.training;

import static dev.fmnist.contract.fields.RequestFields.EXTRA_DATA;
import static dev.fmnist.contract.fields.RequestFields.PATH;

import dev.fmnist.contract.fields.RequestFields;
import java.nio.file.Path;

/**
 * Images of one's own appended to the training split (never to validation or test): a folder, on the trainer's
 * machine, in the format {@code fmnist feedback export} writes ({@code dev.fmnist.contract.data.ExtraDataset}). The
 * request names it; the trainer checks its files when the request arrives and refuses a bad one naming
 * {@code extraData.path}.
 *
 * @param path the folder, absolute and normalised (no {@code .} or {@code ..} parts), at most {@value #MAX_PATH} characters
 */
public record ExtraData(String path) {

    public static final int MAX_PATH = 1024;
    /** The field refusals name. */
    public static final String PATH_FIELD = RequestFields.path(EXTRA_DATA, PATH);

    public ExtraData {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException(PATH_FIELD + ": is required: the folder with the idx files, on the "
                    + "trainer's machine");
        }
        if (path.length() > MAX_PATH) {
            throw new IllegalArgumentException(PATH_FIELD + ": at most " + MAX_PATH + " characters, got " + path.length());
        }
        if (path.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(PATH_FIELD + ": must not hold control characters");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException(PATH_FIELD + ": must be absolute (the trainer's folder), got '" + path + "'");
        }
        String normal = Path.of(path).normalize().toString();
        if (!normal.equals(path) && !(normal + "/").equals(path)) {
            throw new IllegalArgumentException(PATH_FIELD + ": must be normalised, got '" + path + "' (say '" + normal + "')");
        }
    }

    /** The folder as a path. */
    public Path folder() {
        return Path.of(path);
    }
}
