package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.fmnist.contract.kafka.Topic;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture diagram (docs/architecture/architecture.dot, rendered into docs/images/architecture.svg)
 * says what the code does: its topics are the contract's {@link Topic}s, every SmallRye channel of the two
 * services is an edge in its direction, every other edge to or from a topic is one listed here beside the
 * code that makes it, and the committed SVG is the .dot rendered by graphviz. {@code
 * -Dfmnist.docs.update=true} renders the SVG anew, as for the other pictures in docs/images.
 */
class ArchitectureDiagramTest {

    private static final Path ROOT = PrometheusServer.ROOT;
    private static final Path DOT = Path.of("docs/architecture/architecture.dot");
    private static final Path SVG = Path.of("docs/images/architecture.svg");
    /** The font architecture.dot names; the committed SVG's text is laid out in it. */
    private static final String FONT = "DejaVu Sans";

    /** The diagram's node for each service module. */
    private static final Map<String, String> SERVICE_NODES = Map.of(
            "trainer-service", "trainer_service",
            "inference-service", "inference_service");
    /** How the services' properties name a topic: the prefix variable, then the contract's suffix. */
    private static final Pattern PREFIXED_TOPIC = Pattern.compile("\\$\\{fmnist\\.kafka\\.topic-prefix}\\.(.+)");
    private static final Pattern CHANNEL_KEY = Pattern.compile("mp\\.messaging\\.(incoming|outgoing)\\.([^.]+)\\..+");

    /**
     * The edges to or from a topic that no SmallRye channel makes: plain Kafka clients, each with a file that
     * makes it and what in that file shows it. When the code moves, this list and the .dot move with it.
     */
    private static final List<CodeEdge> PLAIN_CLIENTS = List.of(
            new CodeEdge("trainer_service", Topic.EXPERIMENT_STATE.defaultName(),
                    "trainer-service/src/main/java/dev/fmnist/trainer/coordination/ExperimentStates.java",
                    "Topic.EXPERIMENT_STATE", ".writable("),
            new CodeEdge(Topic.EXPERIMENT_STATE.defaultName(), "trainer_service",
                    "trainer-service/src/main/java/dev/fmnist/trainer/coordination/ExperimentStates.java",
                    "Topic.EXPERIMENT_STATE", "view.start("),
            // a run's artefact, written with its end in one transaction (coordination.HolderFence)
            new CodeEdge("trainer_service", Topic.MODELS.defaultName(),
                    "trainer-service/src/main/java/dev/fmnist/trainer/artefacts/ArtefactPublisher.java",
                    "Topic.MODELS", "new ProducerRecord<>("),
            // checkpoints written and read back by the run's trainer or the one that takes the run over
            new CodeEdge("trainer_service", Topic.CHECKPOINTS.defaultName(),
                    "trainer-service/src/main/java/dev/fmnist/trainer/checkpoints/CheckpointStore.java",
                    "producer.send("),
            new CodeEdge(Topic.CHECKPOINTS.defaultName(), "trainer_service",
                    "trainer-service/src/main/java/dev/fmnist/trainer/checkpoints/CheckpointStore.java",
                    "new KafkaConsumer<>("),
            new CodeEdge("inference_service", Topic.MODEL_CONTROL.defaultName(),
                    "inference-service/src/main/java/dev/fmnist/inference/messaging/ModelControlTopic.java",
                    "Topic.MODEL_CONTROL", ".writable("),
            new CodeEdge(Topic.MODEL_CONTROL.defaultName(), "inference_service",
                    "inference-service/src/main/java/dev/fmnist/inference/messaging/ModelControlTopic.java",
                    "Topic.MODEL_CONTROL", "view.start("),
            // a pinned version is fetched from the topic by offset, beside the channel that follows it
            new CodeEdge(Topic.MODELS.defaultName(), "inference_service",
                    "inference-service/src/main/java/dev/fmnist/inference/messaging/ArtefactFetcher.java",
                    "Topic.MODELS", "new KafkaConsumer<>("),
            new CodeEdge("cli_experiments", Topic.EXPERIMENTS.defaultName(),
                    "fmnist-cli/src/main/java/dev/fmnist/cli/commands/SubmitCommand.java",
                    "broker.send(kafka.experiments()"),
            new CodeEdge("cli_experiments", Topic.EXPERIMENT_CONTROL.defaultName(),
                    "fmnist-cli/src/main/java/dev/fmnist/cli/commands/CancelCommand.java",
                    "broker.send(kafka.control()"),
            new CodeEdge(Topic.EXPERIMENT_STATE.defaultName(), "cli_experiments",
                    "fmnist-cli/src/main/java/dev/fmnist/cli/history/CurrentStates.java",
                    "broker.follow(broker.options().state()"),
            new CodeEdge(Topic.EXPERIMENT_EVENTS.defaultName(), "cli_experiments",
                    "fmnist-cli/src/main/java/dev/fmnist/cli/history/ExperimentHistory.java",
                    "broker.follow(broker.options().events()"),
            new CodeEdge(Topic.MODELS.defaultName(), "cli_models",
                    "fmnist-cli/src/main/java/dev/fmnist/cli/commands/ModelsCommand.java",
                    "readAll(kafka.models())"),
            new CodeEdge("cli_models", Topic.MODEL_CONTROL.defaultName(),
                    "fmnist-cli/src/main/java/dev/fmnist/cli/commands/ModelControlCommands.java",
                    "send(kafka.modelControl()"),
            new CodeEdge(Topic.MODEL_CONTROL.defaultName(), "cli_models",
                    "fmnist-cli/src/main/java/dev/fmnist/cli/commands/HistoryCommand.java",
                    "readAll(kafka.modelControl())"),
            // the prediction log and the labels, written by plain producers; the live-accuracy processor
            // (Kafka Streams) joins them and writes, then reads back, each version's statistics
            new CodeEdge("inference_service", Topic.PREDICTIONS.defaultName(),
                    "inference-service/src/main/java/dev/fmnist/inference/predictions/PredictionLog.java",
                    "Topic.PREDICTIONS", "new KafkaProducer<>("),
            new CodeEdge("inference_service", Topic.FEEDBACK.defaultName(),
                    "inference-service/src/main/java/dev/fmnist/inference/predictions/FeedbackWriter.java",
                    "Topic.FEEDBACK", "producer.send("),
            new CodeEdge(Topic.PREDICTIONS.defaultName(), "inference_service",
                    "inference-service/src/main/java/dev/fmnist/inference/live/LiveAccuracyTopology.java",
                    "Topic.PREDICTIONS.name(prefix)", ".stream(predictionsTopic"),
            new CodeEdge(Topic.FEEDBACK.defaultName(), "inference_service",
                    "inference-service/src/main/java/dev/fmnist/inference/live/LiveAccuracyTopology.java",
                    ".stream(Topic.FEEDBACK.name(prefix)"),
            new CodeEdge("inference_service", Topic.LIVE_ACCURACY.defaultName(),
                    "inference-service/src/main/java/dev/fmnist/inference/live/LiveAccuracyTopology.java",
                    "Topic.LIVE_ACCURACY.name(prefix)", ".to(liveTopic"),
            new CodeEdge(Topic.LIVE_ACCURACY.defaultName(), "inference_service",
                    "inference-service/src/main/java/dev/fmnist/inference/live/LiveAccuracyTopology.java",
                    "Topic.LIVE_ACCURACY.name(prefix)", "builder.globalTable(liveTopic"),
            new CodeEdge(Topic.LIVE_ACCURACY.defaultName(), "cli_models",
                    "fmnist-cli/src/main/java/dev/fmnist/cli/commands/LiveCommand.java",
                    "Topic.LIVE_ACCURACY.name(kafka.topicPrefix)", "broker.readToEnd(liveTopic"),
            new CodeEdge(Topic.PREDICTIONS.defaultName(), "cli_models",
                    "fmnist-cli/src/main/java/dev/fmnist/cli/commands/ExportCommand.java",
                    "Topic.PREDICTIONS.name(kafka.topicPrefix)", "broker.readToEnd(predictionsTopic"),
            new CodeEdge(Topic.FEEDBACK.defaultName(), "cli_models",
                    "fmnist-cli/src/main/java/dev/fmnist/cli/commands/ExportCommand.java",
                    "Topic.FEEDBACK.name(kafka.topicPrefix)", "broker.readToEnd(feedbackTopic"));

    private static Diagram diagram;

    @BeforeAll
    static void parse() throws IOException {
        diagram = Diagram.parse(Files.readString(ROOT.resolve(DOT)));
    }

    @Test
    void theTopicsAreTheContractsTopics() {
        Set<String> contract = Arrays.stream(Topic.values()).map(Topic::defaultName)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> topicNodes = diagram.nodes.entrySet().stream().filter(n -> n.getValue().isTopic())
                .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
        assertThat(topicNodes).as("the nodes of class \"topic\" in %s against the contract's Topic", DOT)
                .isEqualTo(contract);
        // an id that looks like a topic but is not marked as one would escape the comparison above
        diagram.nodes.forEach((id, node) -> {
            if (id.startsWith(Topic.DEFAULT_PREFIX + ".")) {
                assertThat(node.isTopic()).as("%s is named like a topic: class=\"topic\"", id).isTrue();
            }
        });
        // the picture shows the name the test compared
        for (String topic : contract) {
            assertThat(diagram.nodes.get(topic).label()).as("label of %s", topic).startsWith(topic + "\\n");
        }
    }

    @Test
    void everyEdgeNamesADeclaredNode() {
        for (Edge edge : diagram.edges) {
            assertThat(diagram.nodes).as("%s: declare its nodes (a typo makes a new one)", edge)
                    .containsKeys(edge.from(), edge.to());
        }
    }

    @Test
    void everyChannelOfTheServicesIsAnEdgeInItsDirection() throws IOException {
        Set<Edge> channels = channelEdges();
        assertThat(channels).as("channels read from the services' application.properties").isNotEmpty();
        Set<Edge> drawn = diagram.edgesTouchingTopics();
        for (Edge channel : channels) {
            assertThat(drawn).as("the channel %s in %s", channel.why(), DOT).contains(channel);
        }
    }

    @Test
    void everyOtherEdgeOfATopicIsAPlainClientTheCodeHas() throws IOException {
        Set<Edge> known = new LinkedHashSet<>(channelEdges());
        for (CodeEdge plain : PLAIN_CLIENTS) {
            String source = Files.readString(ROOT.resolve(plain.file()));
            for (String evidence : plain.evidence()) {
                assertThat(source).as("%s -> %s: %s no longer has %s; update the diagram and this list",
                        plain.from(), plain.to(), plain.file(), evidence).contains(evidence);
            }
            Edge edge = new Edge(plain.from(), plain.to(), plain.file());
            assertThat(diagram.edgesTouchingTopics()).as("%s made by %s", edge, plain.file()).contains(edge);
            known.add(edge);
        }
        for (Edge drawn : diagram.edgesTouchingTopics()) {
            assertThat(known).as("%s in %s is neither a SmallRye channel nor a listed plain client", drawn, DOT)
                    .contains(drawn);
        }
    }

    @Test
    void theTrainerGroupIsTheOneTheTrainersJoin() throws IOException {
        String groupId = properties("trainer-service").getProperty("mp.messaging.incoming.experiments.group.id");
        assertThat(groupId).startsWith("${fmnist.kafka.topic-prefix}");
        String group = groupId.replace("${fmnist.kafka.topic-prefix}", Topic.DEFAULT_PREFIX);
        assertThat(diagram.source).as("the trainers' consumer group in %s", DOT).contains("consumer group " + group + ")");
    }

    @Test
    void theCommittedPictureIsTheDiagramRendered() throws Exception {
        String version = dotVersion();
        Assumptions.assumeTrue(version != null,
                "graphviz's dot is not on PATH: install graphviz with bin/install-deps (as root) to compare " + SVG);
        assertThat(diagram.source).as("%s draws in %s, the font this test looks for", DOT, FONT)
                .contains("fontname=\"" + FONT + "\"");
        // another font moves every glyph: such a rendering says nothing about the .dot
        String font = fontFamily(FONT);
        Assumptions.assumeTrue(font != null && Arrays.asList(font.split(",")).contains(FONT),
                "fontconfig resolves \"" + FONT + "\" to " + (font == null ? "nothing (no fc-match)" : "\"" + font + "\"")
                        + ", so dot cannot render " + SVG + " as committed: install fonts-dejavu-core and fontconfig "
                        + "(bin/install-deps, as root)");
        Path svg = ROOT.resolve(SVG);
        if (Boolean.getBoolean("fmnist.docs.update")) {
            Files.write(svg, render());
        }
        assertThat(svg).as("render it with -Dfmnist.docs.update=true").exists();
        byte[] committed = Files.readAllBytes(svg);
        String committedVersion = generator(committed);
        assertThat(committedVersion).as("the \"Generated by graphviz version\" comment of %s: render it with "
                + "-Dfmnist.docs.update=true", SVG).isNotNull();
        // graphviz's layout and number formatting change between versions: only the same dot can give the same bytes
        Assumptions.assumeTrue(version.equals(committedVersion),
                "dot here is " + version + ", " + SVG + " was rendered by " + committedVersion + ": the byte comparison "
                        + "needs that version (Debian's graphviz, bin/install-deps); to commit a rendering by this one, "
                        + "run with -Dfmnist.docs.update=true and commit the SVG");
        byte[] rendered = render();
        if (!Arrays.equals(committed, rendered)) {
            fail("%s is not %s as dot renders it (%s, as the committed SVG names); first difference: %s. Render it "
                    + "with -Dfmnist.docs.update=true", SVG, DOT, version, firstDifference(committed, rendered));
        }
    }

    /** Every SmallRye channel of both services as the edge it must be: topic -> service in, service -> topic out. */
    private static Set<Edge> channelEdges() throws IOException {
        Set<Edge> edges = new LinkedHashSet<>();
        for (Map.Entry<String, String> service : SERVICE_NODES.entrySet()) {
            Properties properties = properties(service.getKey());
            Set<String> channels = new TreeSet<>();
            for (String key : properties.stringPropertyNames()) {
                Matcher m = CHANNEL_KEY.matcher(key);
                if (m.matches()) {
                    channels.add(m.group(1) + "." + m.group(2));
                }
            }
            for (String channel : channels) {
                String where = service.getKey() + " mp.messaging." + channel;
                String topicValue = properties.getProperty("mp.messaging." + channel + ".topic");
                assertThat(topicValue).as("%s.topic (without it the topic is the channel's name, outside the contract)",
                        where).isNotNull();
                Matcher prefixed = PREFIXED_TOPIC.matcher(topicValue);
                assertThat(prefixed.matches()).as("%s.topic=%s: a topic under ${fmnist.kafka.topic-prefix}", where,
                        topicValue).isTrue();
                String suffix = prefixed.group(1);
                Topic topic = Arrays.stream(Topic.values()).filter(t -> t.suffix().equals(suffix)).findFirst()
                        .orElseThrow(() -> new AssertionError(where + ".topic names ." + suffix
                                + ", not a topic of the contract's Topic " + Topic.suffixes()));
                String node = service.getValue();
                edges.add(channel.startsWith("incoming.")
                        ? new Edge(topic.defaultName(), node, where)
                        : new Edge(node, topic.defaultName(), where));
            }
        }
        return edges;
    }

    private static Properties properties(String service) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(ROOT.resolve(service + "/src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return properties;
    }

    /** {@code dot -V}'s answer without "dot - " ("graphviz version 2.43.0 (0)"), or null when there is no dot to run. */
    private static String dotVersion() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("dot", "-V").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out.replaceFirst("^dot - ", "") : null;
        } catch (IOException notInstalled) {
            return null;
        }
    }

    private static byte[] render() throws IOException, InterruptedException {
        Path errors = Files.createTempFile("dot", ".err");
        try {
            Process p = new ProcessBuilder("dot", "-Tsvg", DOT.toString()).directory(ROOT.toFile())
                    .redirectError(errors.toFile()).start();
            byte[] svg = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("dot finished").isTrue();
            assertThat(p.exitValue()).as("dot -Tsvg %s: %s", DOT, Files.readString(errors)).isZero();
            return svg;
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    /** The "graphviz version ..." the SVG's "Generated by" comment names, or null when it names none. */
    private static String generator(byte[] svg) {
        Matcher m = Pattern.compile("Generated by (graphviz version [^\\n]*)").matcher(new String(svg, StandardCharsets.UTF_8));
        return m.find() ? m.group(1).strip() : null;
    }

    /** The family (or comma-separated families) fontconfig picks for {@code font}, or null without fc-match. */
    private static String fontFamily(String font) throws InterruptedException {
        try {
            Process p = new ProcessBuilder("fc-match", "-f", "%{family}", font).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException notInstalled) {
            return null;
        }
    }

    private static String firstDifference(byte[] committed, byte[] rendered) {
        String[] a = new String(committed, StandardCharsets.UTF_8).split("\n", -1);
        String[] b = new String(rendered, StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (!a[i].equals(b[i])) {
                return "line " + (i + 1) + ": committed '" + a[i] + "', rendered '" + b[i] + "'";
            }
        }
        return "committed " + a.length + " lines, rendered " + b.length;
    }

    /** An edge the code makes: {@code file} contains every string of {@code evidence}. */
    private record CodeEdge(String from, String to, String file, String... evidence) {
    }

    /** A directed edge; {@code why} says where it came from and takes no part in equality. */
    private record Edge(String from, String to, String why) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Edge e && e.from.equals(from) && e.to.equals(to);
        }

        @Override
        public int hashCode() {
            return from.hashCode() * 31 + to.hashCode();
        }

        @Override
        public String toString() {
            return from + " -> " + to;
        }
    }

    private record Node(Map<String, String> attributes) {
        boolean isTopic() {
            return "topic".equals(attributes.get("class"));
        }

        String label() {
            return attributes.getOrDefault("label", "");
        }
    }

    /**
     * The statements of the .dot that matter here, read by the conventions its header states: one statement
     * per line, comments whole lines or after a statement, an edge {@code from -> to [attributes]} (no
     * chains), {@code dir=back} reversing and {@code dir=both} doubling it, {@code style=invis} edges only
     * placing nodes. A line with an edge that does not follow them fails the test instead of going unread.
     */
    private static final class Diagram {
        private static final String ID = "(\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_]*)";
        private static final Pattern EDGE = Pattern.compile("\\s*" + ID + "\\s*->\\s*" + ID + "\\s*(?:\\[(.*)])?\\s*;?\\s*");
        private static final Pattern NODE = Pattern.compile("\\s*" + ID + "\\s*\\[(.*)]\\s*;?\\s*");
        private static final Pattern ATTRIBUTE = Pattern.compile("([A-Za-z_]+)\\s*=\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|[^,\\s\\]]+)");
        private static final Set<String> KEYWORDS = Set.of("graph", "node", "edge");

        final String source;
        final Map<String, Node> nodes = new LinkedHashMap<>();
        final List<Edge> edges = new ArrayList<>();

        private Diagram(String source) {
            this.source = source;
        }

        static Diagram parse(String source) {
            Diagram d = new Diagram(source);
            String[] lines = source.split("\n");
            for (int i = 0; i < lines.length; i++) {
                String line = withoutComment(lines[i]);
                String where = DOT + ":" + (i + 1);
                if (outsideQuotes(line).contains("->")) {
                    Matcher m = EDGE.matcher(line);
                    if (!m.matches()) {
                        fail("%s: an edge must be `from -> to [attributes]` on a line of its own: %s", where, line);
                    }
                    Map<String, String> attributes = attributes(m.group(3));
                    if ("invis".equals(attributes.get("style"))) {
                        continue;
                    }
                    String from = unquote(m.group(1));
                    String to = unquote(m.group(2));
                    String dir = attributes.getOrDefault("dir", "forward");
                    switch (dir) {
                        case "forward" -> d.edges.add(new Edge(from, to, where));
                        case "back" -> d.edges.add(new Edge(to, from, where));
                        case "both" -> {
                            d.edges.add(new Edge(from, to, where));
                            d.edges.add(new Edge(to, from, where));
                        }
                        default -> fail("%s: dir=%s says nothing about which way records go", where, dir);
                    }
                } else {
                    Matcher m = NODE.matcher(line);
                    if (m.matches() && !KEYWORDS.contains(m.group(1))) {
                        String id = unquote(m.group(1));
                        assertThat(d.nodes).as("%s: %s declared twice", where, id).doesNotContainKey(id);
                        d.nodes.put(id, new Node(attributes(m.group(2))));
                    }
                }
            }
            assertThat(d.edges).as("edges in %s", DOT).isNotEmpty();
            return d;
        }

        Set<Edge> edgesTouchingTopics() {
            return edges.stream()
                    .filter(e -> isTopic(e.from()) || isTopic(e.to()))
                    .collect(Collectors.toCollection(LinkedHashSet::new));
        }

        private boolean isTopic(String id) {
            Node node = nodes.get(id);
            return node != null && node.isTopic();
        }

        private static Map<String, String> attributes(String list) {
            Map<String, String> attributes = new LinkedHashMap<>();
            if (list != null) {
                Matcher m = ATTRIBUTE.matcher(list);
                while (m.find()) {
                    attributes.put(m.group(1), unquote(m.group(2)));
                }
            }
            return attributes;
        }

        /** The line up to a {@code //} outside a quoted string. */
        private static String withoutComment(String line) {
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == '\\' && quoted) {
                    i++;
                } else if (c == '"') {
                    quoted = !quoted;
                } else if (!quoted && c == '/' && i + 1 < line.length() && line.charAt(i + 1) == '/') {
                    return line.substring(0, i);
                }
            }
            return line;
        }

        /** The line with quoted strings blanked, so an arrow in a label is not an edge. */
        private static String outsideQuotes(String line) {
            return line.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
        }

        private static String unquote(String s) {
            return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
        }
    }
}
