package dev.fmnist.contract.data;

import dev.fmnist.contract.util.Sha256;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds Fashion-MNIST on this machine, or downloads it, and reads it into memory.
 *
 * <p>Directories are searched in order: the configured one, {@code $FMNIST_DATA_DIR},
 * {@code ./data/fashion-mnist}, {@code /usr/share/datasets/fashion-mnist} (Debian's
 * {@code dataset-fashion-mnist}). The first holding all four files, gzipped or raw, wins. When none
 * does, the files are downloaded into the download directory.
 */
public final class FashionMnistLoader {

    public static final String DATA_DIR_ENV = "FMNIST_DATA_DIR";
    public static final Path LOCAL_DIR = Path.of("data", "fashion-mnist");
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private static final Logger LOG = LoggerFactory.getLogger(FashionMnistLoader.class);

    private final List<Path> searchPath;
    private final Path downloadDir;
    private final List<URI> mirrors;
    private final boolean downloadEnabled;
    private final boolean verifyChecksums;
    private final PrintStream progress;

    private FashionMnistLoader(Builder builder) {
        List<Path> dirs = new ArrayList<>();
        Optional.ofNullable(builder.dataDir).ifPresent(dirs::add);
        Optional.ofNullable(builder.environmentDir).filter(s -> !s.isBlank()).map(Path::of).ifPresent(dirs::add);
        dirs.add(LOCAL_DIR);
        dirs.add(DEBIAN_DIR);
        this.searchPath = List.copyOf(dirs);
        this.downloadDir = builder.downloadDir;
        this.mirrors = builder.mirrors;
        this.downloadEnabled = builder.downloadEnabled;
        this.verifyChecksums = builder.verifyChecksums;
        this.progress = builder.progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Reads the four files from the first directory that has them, downloading them if none does. */
    public FashionMnist load() {
        Path directory = searchPath.stream().filter(FashionMnistLoader::hasAllFiles).findFirst().orElse(null);
        if (directory == null) {
            if (!downloadEnabled) {
                throw new DatasetException("Fashion-MNIST not found in any of " + searchPath
                        + " and downloading is off; install Debian's dataset-fashion-mnist or set "
                        + DATA_DIR_ENV);
            }
            LOG.info("Fashion-MNIST not found in {}; downloading into {}", searchPath, downloadDir);
            new FashionMnistDownloader(mirrors, progress).downloadMissing(downloadDir);
            directory = downloadDir;
        }
        return read(directory, verifyChecksums);
    }

    /** Reads and checks the four files of {@code directory}. */
    public static FashionMnist read(Path directory, boolean verifyChecksums) {
        Map<FashionMnistFile, IdxFile> files = new EnumMap<>(FashionMnistFile.class);
        Map<FashionMnistFile, String> names = new EnumMap<>(FashionMnistFile.class);
        for (FashionMnistFile file : FashionMnistFile.values()) {
            Path path = locate(directory, file);
            if (path == null) {
                throw new DatasetException(directory.resolve(file.stem()) + "(.gz): not found");
            }
            byte[] content = IdxFile.decompressedBytes(path);
            if (verifyChecksums) {
                checkSha256(path, content, file);
            }
            IdxFile idx = IdxFile.parse(path.toString(), content);
            if (idx.dimensions().length != file.dimensions().length) {
                throw new DatasetException(path + ": rank " + idx.dimensions().length + ", expected "
                        + file.dimensions().length + " for " + file.stem());
            }
            files.put(file, idx);
            names.put(file, path.toString());
        }
        FashionMnist.Split train = FashionMnist.split(
                names.get(FashionMnistFile.TRAIN_IMAGES), files.get(FashionMnistFile.TRAIN_IMAGES),
                names.get(FashionMnistFile.TRAIN_LABELS), files.get(FashionMnistFile.TRAIN_LABELS));
        FashionMnist.Split test = FashionMnist.split(
                names.get(FashionMnistFile.TEST_IMAGES), files.get(FashionMnistFile.TEST_IMAGES),
                names.get(FashionMnistFile.TEST_LABELS), files.get(FashionMnistFile.TEST_LABELS));
        LOG.info("Fashion-MNIST read from {}: {} training and {} test images", directory, train.size(), test.size());
        return new FashionMnist(train, test, directory.toString());
    }

    /** The gzipped or raw copy of {@code file} in {@code directory}, or null. */
    static Path locate(Path directory, FashionMnistFile file) {
        for (String name : List.of(file.gzipName(), file.stem())) {
            Path candidate = directory.resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean hasAllFiles(Path directory) {
        for (FashionMnistFile file : FashionMnistFile.values()) {
            if (locate(directory, file) == null) {
                return false;
            }
        }
        return true;
    }

    static void verifyChecksum(Path path, FashionMnistFile file) {
        checkSha256(path, IdxFile.decompressedBytes(path), file);
    }

    private static void checkSha256(Path path, byte[] content, FashionMnistFile file) {
        String actual = Sha256.hex(content);
        if (!actual.equals(file.contentSha256())) {
            throw new DatasetException(path + ": sha256 of the decompressed content is " + actual + ", expected "
                    + file.contentSha256() + " (corrupt, or not the official " + file.stem() + ")");
        }
    }

    /** Options, all optional; defaults search the usual places and download from the official mirrors. */
    public static final class Builder {
        private Path dataDir;
        private String environmentDir = System.getenv(DATA_DIR_ENV);
        private Path downloadDir = LOCAL_DIR;
        private List<URI> mirrors = FashionMnistDownloader.OFFICIAL_MIRRORS;
        private boolean downloadEnabled = true;
        private boolean verifyChecksums = true;
        private PrintStream progress = System.err;

        private Builder() {}

        /** A directory searched before all others. */
        public Builder optDataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Overrides {@code $FMNIST_DATA_DIR} (tests use this to pin the search path). */
        public Builder optEnvironmentDir(String environmentDir) {
            this.environmentDir = environmentDir;
            return this;
        }

        public Builder optDownloadDir(Path downloadDir) {
            this.downloadDir = downloadDir;
            return this;
        }

        public Builder optMirrors(List<URI> mirrors) {
            this.mirrors = List.copyOf(mirrors);
            return this;
        }

        public Builder optDownloadEnabled(boolean downloadEnabled) {
            this.downloadEnabled = downloadEnabled;
            return this;
        }

        /** Off only for hand-made data sets; the official files are always checked by default. */
        public Builder optVerifyChecksums(boolean verifyChecksums) {
            this.verifyChecksums = verifyChecksums;
            return this;
        }

        public Builder optProgress(PrintStream progress) {
            this.progress = progress;
            return this;
        }

        public FashionMnistLoader build() {
            return new FashionMnistLoader(this);
        }
    }
}
