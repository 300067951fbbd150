package dev.fmnist.cli.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.cli.docs.ContractExamples.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the documentation's examples true: README.md and every docs/**&#47;*.md, whatever pages there
 * are, read by the code they describe.
 * <ul>
 *   <li>{@code json} blocks and {@code echo '<json>' | kcat -P} lines are read by the contract's readers,
 *       the services' own: requests by {@code RequestParser}, events by the event mapping (written back
 *       to the same fields), control commands and model-control records by theirs ({@link ContractExamples});
 *   <li>documented {@code $ bin/fmnist ...} sessions that need no stack (help, {@code --dry-run}, a
 *       documented status 2, an address at port 1) are run in-process and must print what the doc shows
 *       and exit as it says ({@link Transcripts} has the rule);
 *   <li>relative links and images lead to files that exist, anchors to headings ({@link Links}).
 * </ul>
 * A block that truly cannot be checked is marked {@value MarkdownPage#MARKER_EXAMPLE} right above it.
 * Each check fails with every problem found, as {@code file:line: what}, and asserts a floor of examples
 * found, so it cannot pass by finding none.
 */
class DocumentedExamplesTest {

    private static Path root;
    private static List<MarkdownPage> pages;

    @BeforeAll
    static void readTheDocs() {
        root = DocumentedPages.root();
        pages = DocumentedPages.read(root);
    }

    @Test
    void everyJsonExampleAndKcatLineIsReadByTheContract() {
        ContractExamples examples = new ContractExamples();
        List<String> problems = new ArrayList<>();
        for (MarkdownPage page : pages) {
            problems.addAll(page.problems());
            examples.check(page);
        }
        problems.addAll(examples.problems());

        assertThat(problems).as(report("JSON examples and kcat lines the contract refuses", problems)).isEmpty();
        assertThat(examples.count(Kind.REQUEST) + examples.count(Kind.REQUEST_FRAGMENT)).as("requests in json blocks")
                .isGreaterThanOrEqualTo(2);
        assertThat(examples.count(Kind.EVENT)).as("events").isGreaterThanOrEqualTo(1);
        assertThat(examples.count(Kind.KCAT_SEND)).as("kcat -P lines").isGreaterThanOrEqualTo(3);
    }

    @Test
    void theFmnistSessionsThatNeedNoStackPrintWhatTheDocsShow() {
        Transcripts transcripts = new Transcripts(root);
        pages.forEach(transcripts::check);

        assertThat(transcripts.problems()).as(report("documented fmnist runs that print or exit otherwise",
                transcripts.problems())).isEmpty();
        assertThat(transcripts.found()).as("documented fmnist runs").isGreaterThanOrEqualTo(10);
        assertThat(transcripts.ran()).as("documented fmnist runs re-run here").isGreaterThanOrEqualTo(5);
    }

    @Test
    void everyRelativeLinkAndImageLeadsToAFileAndEveryAnchorToAHeading() {
        Links links = new Links(root);
        pages.forEach(links::know);
        pages.forEach(links::check);

        assertThat(links.problems()).as(report("links that lead nowhere", links.problems())).isEmpty();
        assertThat(links.relative()).as("relative links and images").isGreaterThanOrEqualTo(100);
    }

    private static String report(String what, List<String> problems) {
        return problems.size() + " " + what + ":\n" + String.join("\n", problems) + "\n";
    }
}
