package dev.fmnist.cli.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.cli.docs.ContractExamples.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks of {@link DocumentedExamplesTest} on pages written here: each finds what it must, and only that. */
class DocumentedExamplesCheckerTest {

    private static final String FENCE = "```";

    @TempDir
    Path root;

    private MarkdownPage page(String name, String text) throws Exception {
        Path file = root.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return MarkdownPage.read(root, file);
    }

    private ContractExamples contract(String text) throws Exception {
        ContractExamples examples = new ContractExamples();
        examples.check(page("docs/page.md", text));
        return examples;
    }

    @Test
    void aValidRequestPassesAndOneTheTrainerRefusesIsNamedWithItsLine() throws Exception {
        ContractExamples good = contract("# Requests\n\n" + FENCE + "json\n"
                + "{\"experimentId\": \"exp-42\", \"architecture\": \"compare\", \"k\": 3, \"epochs\": 2,\n"
                + " \"validationSplit\": 5000, \"earlyStopping\": {\"patience\": 3, \"minDelta\": 0.001}}\n" + FENCE + "\n");
        assertThat(good.problems()).isEmpty();
        assertThat(good.count(Kind.REQUEST)).isEqualTo(1);

        ContractExamples noSplit = contract("intro\n\n" + FENCE + "json\n"
                + "{\"architecture\": \"better\", \"earlyStopping\": {\"patience\": 3}}\n" + FENCE + "\n");
        assertThat(noSplit.problems()).singleElement().asString()
                .startsWith("docs/page.md:4: request refused by the trainer's parser: ").contains("earlyStopping");

        ContractExamples yaml = contract(FENCE + "yaml\narchitecture: better\nepochs: 10\ntags:\n  purpose: yaml\n" + FENCE + "\n"
                + FENCE + "yaml\narchitecture: better\nepoch: 10\n" + FENCE + "\n"
                + FENCE + "yaml\ngroups:\n  - name: fmnist\n" + FENCE + "\n");
        assertThat(yaml.count(Kind.REQUEST)).isEqualTo(2);
        assertThat(yaml.problems()).singleElement().asString().startsWith("docs/page.md:8: ").contains("epoch");

        ContractExamples unknownField = contract(FENCE + "json\n{\"architecture\": \"better\", \"epoch\": 3}\n" + FENCE + "\n");
        assertThat(unknownField.problems()).singleElement().asString().contains("epoch").contains("not a known field");
    }

    @Test
    void aSweepFragmentIsReadAsTheSmallestRequestThatHoldsIt() throws Exception {
        ContractExamples random = contract(FENCE + "json\n\"sweep\": {\"type\": \"random\", \"trials\": 8, \"seed\": 0,\n"
                + "  \"space\": {\"learningRate\": {\"logUniform\": [0.0005, 0.01]}, \"k\": {\"choice\": [3, 5]}}}\n" + FENCE + "\n");
        assertThat(random.problems()).isEmpty();
        assertThat(random.count(Kind.REQUEST_FRAGMENT)).isEqualTo(1);

        ContractExamples badSpace = contract(FENCE + "json\n\"sweep\": {\"type\": \"random\", \"trials\": 8,\n"
                + "  \"space\": {\"learningRate\": {\"logUniform\": [0.01, 0.0005]}}}\n" + FENCE + "\n");
        assertThat(badSpace.problems()).singleElement().asString().startsWith("docs/page.md:2: ").contains("sweep.space");

        ContractExamples notARequest = contract(FENCE + "json\n\"inputs\": [{\"name\": \"images\"}]\n" + FENCE + "\n");
        assertThat(notARequest.problems()).singleElement().asString().contains("[inputs]").contains("not-checked");
    }

    @Test
    void anEventMustReadAndWriteBackToTheSameFields() throws Exception {
        String epoch = "{\"type\":\"EPOCH\",\"experimentId\":\"better-1\",\"at\":\"2026-11-29T12:30:01Z\",\"architecture\":\"better\","
                + "\"epochs\":10,\"epoch\":0,\"metrics\":{\"loss\":0.79,\"trainAccuracy\":0.82,\"testAccuracy\":0.81,"
                + "\"epochSeconds\":48.8,\"imagesPerSecond\":1230.0}}";
        ContractExamples good = contract(FENCE + "json\n" + epoch + "\n" + FENCE + "\n");
        assertThat(good.problems()).isEmpty();
        assertThat(good.count(Kind.EVENT)).isEqualTo(1);

        ContractExamples extraField = contract(FENCE + "json\n" + epoch.replace("\"epoch\":0", "\"epoch\":0,\"worker\":\"w\"")
                + "\n" + FENCE + "\n");
        assertThat(extraField.problems()).singleElement().asString().contains("worker is shown but the contract has no such field");

        ContractExamples missing = contract(FENCE + "json\n" + epoch.replace(",\"epoch\":0", "") + "\n" + FENCE + "\n");
        assertThat(missing.problems()).singleElement().asString().contains("event refused").contains("epoch");

        ContractExamples lines = contract(FENCE + "json\n" + epoch + "\n" + epoch.replace("EPOCH", "EPOCHS") + "\n" + FENCE + "\n");
        assertThat(lines.problems()).singleElement().asString().startsWith("docs/page.md:3: type \"EPOCHS\" is no event kind");
    }

    @Test
    void controlCommandsAndModelControlRecordsAreReadByTheirParsers() throws Exception {
        assertThat(contract(FENCE + "json\n{\"type\":\"cancel\",\"experimentId\":\"better-1\"}\n" + FENCE + "\n").problems()).isEmpty();
        assertThat(contract(FENCE + "json\n{\"type\":\"cancel\"}\n" + FENCE + "\n").problems())
                .singleElement().asString().contains("experimentId: required");
        assertThat(contract(FENCE + "json\n{\"model\":\"better\",\"pinned\":\"5e8d0154c40a\",\"at\":\"2026-11-29T16:20:00Z\"}\n"
                + FENCE + "\n").problems()).isEmpty();
        assertThat(contract(FENCE + "json\n{\"model\":\"better\",\"pinned\":\"5e8d0154c40a\",\"at\":\"...\"}\n" + FENCE + "\n")
                .problems()).singleElement().asString().contains("model-control record refused: at:");
        assertThat(contract(FENCE + "json\n{\"ready\": true}\n" + FENCE + "\n").problems())
                .singleElement().asString().contains("JSON of no contract type");
        assertThat(contract(FENCE + "json\n{\"ready\": \n" + FENCE + "\n").problems())
                .singleElement().asString().contains("not valid JSON");
        assertThat(contract("\n" + FENCE + "json\n\n" + FENCE + "\n").problems())
                .singleElement().asString().isEqualTo("docs/page.md:2: an empty json block");
    }

    @Test
    void theMarkerLeavesABlockOutAndMustSayWhy() throws Exception {
        MarkdownPage marked = page("docs/marked.md", "<!-- example: not-checked (a KServe body, read by the service's tests) -->\n"
                + FENCE + "json\n{\"ready\": true}\n" + FENCE + "\n");
        ContractExamples examples = new ContractExamples();
        examples.check(marked);
        assertThat(examples.problems()).isEmpty();
        assertThat(marked.problems()).isEmpty();

        MarkdownPage noReason = page("docs/bare.md", "<!-- example: not-checked -->\n" + FENCE + "json\n{}\n" + FENCE + "\n");
        assertThat(noReason.problems()).singleElement().asString().startsWith("docs/bare.md:1: ").contains("needs its reason");
        MarkdownPage astray = page("docs/astray.md", "<!-- example: not-checked (why) -->\n\nprose\n");
        assertThat(astray.problems()).singleElement().asString().contains("right above the fenced block");
    }

    @Test
    void kcatLinesSendWhatTheirTopicReadsToContractTopics() throws Exception {
        ContractExamples good = contract(FENCE + "bash\n"
                + "echo '{\"experimentId\":\"better-1\",\"architecture\":\"better\"}' \\\n"
                + "  | kcat -P -b 127.0.0.1:9092 -t fmnist.experiments -k better-1\n"
                + "echo '{\"type\":\"cancel\",\"experimentId\":\"better-1\"}' | kcat -P -b 127.0.0.1:9092 -t fmnist.experiment-control\n"
                + "echo '{\"model\":\"better\",\"at\":\"2026-11-29T16:20:00Z\"}' | kcat -P -b 127.0.0.1:9092 -t fmnist.model-control -k better\n"
                + "kcat -C -b 127.0.0.1:9092 -t fmnist.experiment-events -o beginning -f '%k %s\\n'\n" + FENCE + "\n");
        assertThat(good.problems()).isEmpty();
        assertThat(good.count(Kind.KCAT_SEND)).isEqualTo(3);

        ContractExamples bad = contract(FENCE + "bash\n"
                + "echo '{\"architecture\":\"better\",\"epochs\":0}' | kcat -P -b 127.0.0.1:9092 -t fmnist.experiments\n"
                + "echo '{\"type\":\"cancel\",\"experimentId\":\"x\"}' | kcat -P -b 127.0.0.1:9092 -t fmnist.cancels\n"
                + "echo '{\"model\":\"better\",\"at\":\"2026-11-29T16:20:00Z\"}' | kcat -P -t fmnist.model-control -k mlp\n"
                + "kcat -C -b 127.0.0.1:9092 -t fmnist.experiment-event\n" + FENCE + "\n");
        assertThat(bad.problems()).hasSize(4);
        assertThat(bad.problems().get(0)).startsWith("docs/page.md:2: the body sent to fmnist.experiments is refused: epochs");
        assertThat(bad.problems().get(1)).startsWith("docs/page.md:3: kcat names the topic fmnist.cancels");
        assertThat(bad.problems().get(2)).contains("model: 'better' under the key 'mlp'");
        assertThat(bad.problems().get(3)).startsWith("docs/page.md:5: kcat names the topic fmnist.experiment-event,");
    }

    @Test
    void transcriptsThatNeedNoStackAreRunAndComparedWithTheDoc() throws Exception {
        MarkdownPage page = page("docs/cli.md", "# CLI\n\n" + FENCE + "\n"
                + "$ bin/fmnist submit --epochs 0\n"
                + "fmnist: invalid request: epochs: must be between 1 and 1000, got 0\n"
                + "(exit 2)\n"
                + "$ bin/fmnist submit -a better --epochs 3 --watch       # needs a stack: recorded, not run\n"
                + "better-20261129-140247-3fa9\n"
                + "$ bin/fmnist submit --dry-run --id exp-1 -a better \\\n"
                + "    --epochs 2\n"
                + "{\n...\n}\n"
                + "$ bin/fmnist sumbit --help\n"
                + "fmnist: unknown command 'sumbit'\n"
                + "...\n"
                + "(exit 2)\n"
                + "$ bin/fmnist list --help      # the built-in default shown, whatever $KAFKA_BOOTSTRAP_SERVERS says\n"
                + "Usage: fmnist list [-hvV] [--bootstrap-servers=HOST:PORT]\n"
                + "...\n"
                + "                        Kafka brokers (default: $KAFKA_BOOTSTRAP_SERVERS or\n"
                + "                          127.0.0.1:9092)\n"
                + "...\n" + FENCE + "\n");
        Transcripts transcripts = new Transcripts(root);
        transcripts.check(page);
        assertThat(transcripts.problems()).isEmpty();
        assertThat(transcripts.found()).isEqualTo(5);
        assertThat(transcripts.ran()).isEqualTo(4);

        MarkdownPage wrong = page("docs/wrong.md", FENCE + "console\n"
                + "$ bin/fmnist submit --epochs 0\n"
                + "fmnist: invalid request: epochs: must be between 1 and 100, got 0\n"
                + "(exit 2)\n"
                + "$ fmnist submit --dry-run --epochs 0\n"
                + "fmnist: invalid request: epochs: must be between 1 and 1000, got 0\n"
                + "$ bin/fmnist list --bootstrap-servers 127.0.0.1:1 --kafka-timeout 1 | head -1\n" + FENCE + "\n");
        Transcripts failing = new Transcripts(root);
        failing.check(wrong);
        assertThat(failing.problems()).hasSize(3);
        assertThat(failing.problems().get(0)).startsWith("docs/wrong.md:2: `bin/fmnist submit --epochs 0`: the output differs")
                .contains("between 1 and 100,").contains("between 1 and 1000,");
        assertThat(failing.problems().get(1)).startsWith("docs/wrong.md:5: ").contains("exit 2, the doc says 0");
        assertThat(failing.problems().get(2)).startsWith("docs/wrong.md:7: ").contains("pipes, redirects or expands");
    }

    @Test
    void anElisionStandsForAnyNumberOfLinesAndNothingElseIsLoose() {
        List<String> actual = List.of("a", "b", "c", "d");
        assertThat(Transcripts.matches(List.of("a", "b", "c", "d"), actual)).isTrue();
        assertThat(Transcripts.matches(List.of("a", "...", "d"), actual)).isTrue();
        assertThat(Transcripts.matches(List.of("...", "c", "..."), actual)).isTrue();
        assertThat(Transcripts.matches(List.of("a", "b", "...", "c", "d"), actual)).as("an elision of nothing").isTrue();
        assertThat(Transcripts.matches(List.of("a", "...", "c"), actual)).as("the end is anchored").isFalse();
        assertThat(Transcripts.matches(List.of("b", "...", "d"), actual)).as("the start is anchored").isFalse();
        assertThat(Transcripts.matches(List.of("a", "...", "c", "b", "...", "d"), actual)).as("in order").isFalse();
        assertThat(Transcripts.matches(List.of("a", "b", "c"), actual)).isFalse();
    }

    @Test
    void shellWordsAreSplitAsBashWouldForASimpleCommand() {
        ShellWords words = ShellWords.split("bin/fmnist models pin better 7daa --reason \"bad \\\"calibration\\\"\" 'a b'  # why");
        assertThat(words.words()).containsExactly("bin/fmnist", "models", "pin", "better", "7daa", "--reason",
                "bad \"calibration\"", "a b");
        assertThat(words.simple()).isTrue();
        assertThat(ShellWords.split("fmnist list | head").simple()).isFalse();
        assertThat(ShellWords.split("fmnist show \"$ID\"").simple()).isFalse();
        assertThat(ShellWords.split("fmnist show '$ID'").simple()).isTrue();
    }

    @Test
    void linksMustLeadToFilesAndAnchorsToHeadings() throws Exception {
        Files.createDirectories(root.resolve("docs/images"));
        Files.writeString(root.resolve("docs/images/a.png"), "png");
        page("docs/using/cli.md", "# The fmnist command\n\n## Exit status: 0-12 (`--help`)\n\n## Exit status: 0-12 (`--help`)\n");
        MarkdownPage index = page("docs/README.md", """
                # Docs

                ## Using it

                - [the CLI](using/cli.md), its [exit codes](using/cli.md#exit-status-0-12---help),
                  [again](using/cli.md#exit-status-0-12---help-1), [above](#using-it), [root](/docs/images/a.png)
                - ![a picture](images/a.png) [![nested](images/a.png)](using/cli.md) <img src="images/a.png">
                - [gone](using/gone.md) [wrong anchor](using/cli.md#exit-codes) [wrong here](#using)
                - [away](../../outside.md) [web](https://example.com/x.md) `[code](not/a/link.md)`
                [^note]: a footnote, not a link

                ```
                [in a block](not/a/link.md)
                ```
                """);
        Links links = new Links(root);
        links.check(index);

        assertThat(links.problems()).hasSize(4);
        assertThat(links.problems().get(0)).startsWith("docs/README.md:8: (using/gone.md): no such file");
        assertThat(links.problems().get(1)).startsWith("docs/README.md:8: (using/cli.md#exit-codes): no heading of docs/using/cli.md")
                .contains("#the-fmnist-command");
        assertThat(links.problems().get(2)).startsWith("docs/README.md:8: (#using): no heading of docs/README.md");
        assertThat(links.problems().get(3)).startsWith("docs/README.md:9: (../../outside.md): leads out of the repository");
        assertThat(links.relative()).isEqualTo(11);
        assertThat(links.external()).isEqualTo(1);
    }

    @Test
    void slugsAreGitHubs() {
        assertThat(MarkdownPage.slug("Queue an experiment without our code")).isEqualTo("queue-an-experiment-without-our-code");
        assertThat(MarkdownPage.slug("Photos: the conversion to Fashion-MNIST's form"))
                .isEqualTo("photos-the-conversion-to-fashion-mnists-form");
        assertThat(MarkdownPage.slug("Native settings (bin/native-env.sh)")).isEqualTo("native-settings-binnative-envsh");
        assertThat(MarkdownPage.slug("The [fmnist](cli.md) command, `fmnist_x`")).isEqualTo("the-fmnist-command-fmnist_x");
    }
}
