package dev.fmnist.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.data.ExtraDataset;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.experiments.RequestRejectedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's check of a request's extraData when it arrives: a folder that is no dataset is rejected naming the field. */
class ExtraDataRejectionTest {

    @TempDir
    Path dir;

    @Test
    void aDatasetPassesAndAnythingElseIsRejectedNamingExtraDataPath() throws IOException {
        Path good = Files.createDirectories(dir.resolve("good"));
        ExtraDataset.write(good, new FashionMnist.Split(new byte[2 * FashionMnist.PIXELS], new byte[] {1, 9}));
        assertThatCode(() -> ExtraDataFolders.require(request(good), dir)).doesNotThrowAnyException();
        assertThatCode(() -> ExtraDataFolders.require(new RequestParser().parse(
                "{\"architecture\":\"mlp\"}".getBytes(StandardCharsets.UTF_8)), dir)).as("none asked").doesNotThrowAnyException();

        assertThatThrownBy(() -> ExtraDataFolders.require(request(dir.resolve("absent")), dir))
                .isInstanceOfSatisfying(RequestRejectedException.class, e -> {
                    assertThat(e.field()).isEqualTo("extraData.path");
                    assertThat(e.rule()).contains("is not a folder");
                });
        Path badLabels = Files.createDirectories(dir.resolve("bad"));
        ExtraDataset.write(badLabels, new FashionMnist.Split(new byte[FashionMnist.PIXELS], new byte[] {12}));
        assertThatThrownBy(() -> ExtraDataFolders.require(request(badLabels), dir))
                .isInstanceOfSatisfying(RequestRejectedException.class, e ->
                        assertThat(e.rule()).contains("label 12 at index 0 is outside 0..9"));
    }

    @Test
    void aDatasetOutsideTheRootOrLinkedOutOfItIsRejectedNamingTheSetting() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        oneImage(outside);
        Path link = Files.createSymbolicLink(root.resolve("link"), outside);

        for (Path folder : new Path[] {outside, link}) {
            assertThatThrownBy(() -> ExtraDataFolders.require(request(folder), root))
                    .as(folder.toString())
                    .isInstanceOfSatisfying(RequestRejectedException.class, e -> {
                        assertThat(e.field()).isEqualTo("extraData.path");
                        assertThat(e.rule()).contains("is outside").contains("fmnist.trainer.extra-data-root");
                    });
        }
        assertThatThrownBy(() -> ExtraDataFolders.require(request(outside), dir.resolve("no-root")))
                .isInstanceOfSatisfying(RequestRejectedException.class, e ->
                        assertThat(e.rule()).contains("does not exist").contains("fmnist.trainer.extra-data-root"));
        Path inside = Files.createDirectories(root.resolve("mine"));
        oneImage(inside);
        assertThatCode(() -> ExtraDataFolders.require(request(inside), root)).doesNotThrowAnyException();
    }

    @Test
    void aLinkRepointedOutOfTheRootAfterArrivalIsRejectedWhenCheckedAgain() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path kept = Files.createDirectories(root.resolve("kept"));
        oneImage(kept);
        Path outside = Files.createDirectories(dir.resolve("outside"));
        oneImage(outside);
        Path link = Files.createSymbolicLink(root.resolve("link"), kept);
        ExperimentRequest request = request(link);
        assertThatCode(() -> ExtraDataFolders.require(request, root)).as("on arrival").doesNotThrowAnyException();

        Files.delete(link);
        Files.createSymbolicLink(link, outside); // while the request waits in the queue

        assertThatThrownBy(() -> ExtraDataFolders.require(request, root)).as("before it trains")
                .isInstanceOfSatisfying(RequestRejectedException.class, e -> {
                    assertThat(e.field()).isEqualTo("extraData.path");
                    assertThat(e.rule()).contains("is outside");
                });
    }

    @Test
    void aFileLinkedOutOfTheRootIsRejectedThoughItsFolderIsInside() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        oneImage(outside);
        Path folder = Files.createDirectories(root.resolve("mine"));
        Files.createSymbolicLink(folder.resolve(ExtraDataset.IMAGES), outside.resolve(ExtraDataset.IMAGES));
        Files.copy(outside.resolve(ExtraDataset.LABELS), folder.resolve(ExtraDataset.LABELS));

        assertThatThrownBy(() -> ExtraDataFolders.require(request(folder), root))
                .isInstanceOfSatisfying(RequestRejectedException.class, e -> {
                    assertThat(e.field()).isEqualTo("extraData.path");
                    assertThat(e.rule()).contains(ExtraDataset.IMAGES).contains("leads outside");
                });
    }

    /** A dataset of one image, labelled 3, in {@code folder}. */
    private static void oneImage(Path folder) throws IOException {
        ExtraDataset.write(folder, new FashionMnist.Split(new byte[FashionMnist.PIXELS], new byte[] {3}));
    }

    private static ExperimentRequest request(Path folder) {
        return new RequestParser().parse(("{\"architecture\":\"mlp\",\"extraData\":{\"path\":\"" + folder + "\"}}")
                .getBytes(StandardCharsets.UTF_8));
    }
}
