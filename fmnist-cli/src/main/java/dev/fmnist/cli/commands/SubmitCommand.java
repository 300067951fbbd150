package dev.fmnist.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.experiments.RequestRejectedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Builds a request from flags and/or a file, checks it with the trainer's own rules (the engine's
 * {@link RequestParser}), and queues it on the experiments topic, keyed by its id.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Queue an experiment (or a sweep) for the trainers and print its id.",
            "Unset fields take the seed notebook's recipe: BetterNet, Adam lr 0.001, batch 1000, 10 epochs."},
        footer = {"%nExamples:",
            "  fmnist submit --architecture better --epochs 10 --watch",
            "  fmnist submit -a compare --sweep k=3,4,5,6,7,8 --tag purpose=kernel-sweep",
            "  fmnist submit -f experiment.yaml --learning-rate 0.0005", ExitCode.HELP_FOOTER})
public final class SubmitCommand implements Callable<Integer> {

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "a request as JSON or YAML (the flags override its fields)")
    Path file;

    @Option(names = "--id", paramLabel = "ID", description = "experiment id (idempotency key); generated when absent")
    String id;

    @Option(names = {"-a", "--architecture"}, paramLabel = "NAME", description = "mlp, baseline, compare, better or better-bn")
    String architecture;

    @Option(names = "-k", paramLabel = "K", description = "kernel size for compare (3..8)")
    Integer k;

    @Option(names = "--epochs", paramLabel = "N")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N")
    Integer batchSize;

    @Option(names = "--learning-rate", paramLabel = "LR")
    Double learningRate;

    @Option(names = "--optimizer", paramLabel = "NAME", description = "adam or sgd")
    String optimizer;

    @Option(names = "--momentum", paramLabel = "M", description = "for sgd")
    Double momentum;

    @Option(names = "--shuffle", negatable = true, description = "shuffle every epoch (default: on)")
    Boolean shuffle;

    @Option(names = "--seed", paramLabel = "N")
    Long seed;

    @Option(names = "--train-limit", paramLabel = "N", description = "train on the first N images only")
    Integer trainLimit;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "adam: AdamW's decoupled decay; sgd: L2 (default 0)")
    Double weightDecay;

    @Option(names = "--lr-schedule", paramLabel = "NAME", description = "constant (default), step, cosine or onecycle")
    String lrSchedule;

    @Option(names = "--label-smoothing", paramLabel = "E", description = "spread E of each target over all classes (default 0)")
    Double labelSmoothing;

    @Option(names = "--train-accuracy", paramLabel = "MODE",
            description = "evaluation (default: a pass over the training set each epoch, as the seed), running or none")
    String trainAccuracy;

    @Option(names = "--dropout", paramLabel = "P",
            description = "drop a share P of the features into each dense layer after a hidden one (default 0)")
    Double dropout;

    @Option(names = "--crop-padding", paramLabel = "N",
            description = "augment: shift each training image by up to N pixels (a random crop of it padded by N)")
    Integer cropPadding;

    @Option(names = "--flip", description = "augment: mirror half the training images left to right")
    boolean flip;

    @Option(names = "--validation-split", paramLabel = "N",
            description = "hold N training images out for validation (valAccuracy/valLoss per epoch)")
    Integer validationSplit;

    @Option(names = "--keep-best", paramLabel = "WHICH",
            description = "last (default) or val: publish the epoch with the best validation accuracy")
    String keepBest;

    @Option(names = "--early-stopping", paramLabel = "PATIENCE[:MIN_DELTA]",
            description = "stop after PATIENCE epochs without a validation gain above MIN_DELTA (default 0), e.g. 3:0.001")
    String earlyStopping;

    @Option(names = "--sweep", paramLabel = "PARAM=V1,V2,...",
            description = "one run per value of k, learningRate or batchSize, e.g. k=3,4,5")
    String sweep;

    @Option(names = "--search", paramLabel = "OPTION=KIND:A,B,...",
            description = "a random search draws OPTION from uniform:LOW,HIGH, logUniform:LOW,HIGH or choice:V1,V2,... "
                    + "(repeatable), e.g. learningRate=logUniform:0.0001,0.01")
    Map<String, String> search;

    @Option(names = "--trials", paramLabel = "N", description = "random search: how many trials (with --search)")
    Integer trials;

    @Option(names = "--search-seed", paramLabel = "S", description = "random search: seeds the draws (default 0)")
    Long searchSeed;

    @Option(names = "--median-stopping", paramLabel = "MIN_TRIALS[:GRACE]",
            description = "random search: stop a trial below the median of at least MIN_TRIALS others at the same epoch, "
                    + "after GRACE epochs (default 1)")
    String medianStopping;

    @Option(names = "--parallel-trials", paramLabel = "N", description = "sweeps: at most N children train at once")
    Integer parallelTrials;

    @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "free labels, echoed in the events (repeatable)")
    Map<String, String> tags;

    @Option(names = "--dry-run", description = "validate and print the request; send nothing")
    boolean dryRun;

    @Option(names = {"-w", "--watch"}, description = "then follow it like 'fmnist watch'")
    boolean watch;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    OutputOptions output;

    @Mixin
    WatchCommand.ProgressOption progress;

    @Override
    public Integer call() {
        ObjectNode body = file == null ? Json.MAPPER.createObjectNode() : readFile(file);
        putIfSet(body, "experimentId", id);
        putIfSet(body, "architecture", architecture);
        putIfSet(body, "k", k);
        putIfSet(body, "epochs", epochs);
        putIfSet(body, "batchSize", batchSize);
        putIfSet(body, "learningRate", learningRate);
        putIfSet(body, "optimizer", optimizer);
        putIfSet(body, "momentum", momentum);
        putIfSet(body, "shuffle", shuffle);
        putIfSet(body, "seed", seed);
        putIfSet(body, "trainLimit", trainLimit);
        putIfSet(body, "weightDecay", weightDecay);
        putIfSet(body, "lrSchedule", lrSchedule);
        putIfSet(body, "labelSmoothing", labelSmoothing);
        putIfSet(body, "dropout", dropout);
        putIfSet(body, "trainAccuracy", trainAccuracy);
        if (cropPadding != null || flip) {
            ObjectNode augmentation = body.has("augmentation") && body.get("augmentation").isObject()
                    ? (ObjectNode) body.get("augmentation") : body.putObject("augmentation");
            putIfSet(augmentation, "cropPadding", cropPadding);
            if (flip) {
                augmentation.put("horizontalFlip", true);
            }
        }
        putIfSet(body, "validationSplit", validationSplit);
        putIfSet(body, "keepBest", keepBest);
        if (earlyStopping != null) {
            body.set("earlyStopping", parseEarlyStopping(earlyStopping));
        }
        if (search == null && (trials != null || searchSeed != null || medianStopping != null)) {
            throw new CliException(ExitCode.USAGE, "--trials, --search-seed and --median-stopping: belong to a random "
                    + "search; name what it draws with --search");
        }
        if (sweep != null && search != null) {
            throw new CliException(ExitCode.USAGE, "--sweep and --search: a grid or a random search, not both");
        }
        if (sweep != null) {
            body.set("sweep", parseSweep(sweep));
        }
        if (search != null) {
            body.set("sweep", randomSearch());
        }
        if (parallelTrials != null) {
            if (!body.has("sweep") || !body.get("sweep").isObject()) {
                throw new CliException(ExitCode.USAGE, "--parallel-trials: needs a sweep (--sweep, --search or one in --file)");
            }
            ((ObjectNode) body.get("sweep")).put("parallelTrials", parallelTrials);
        }
        if (tags != null && !tags.isEmpty()) {
            ObjectNode tagNode = body.has("tags") && body.get("tags").isObject() ? (ObjectNode) body.get("tags")
                    : body.putObject("tags");
            tags.forEach(tagNode::put);
        }
        if (!body.has("experimentId")) {
            body.put("experimentId", readableId(body));
        }
        ExperimentRequest request;
        try {
            request = new RequestParser().parse(Json.MAPPER.writeValueAsBytes(body));
        } catch (RequestRejectedException e) {
            throw new CliException(ExitCode.USAGE, "invalid request: " + e.field() + ": " + e.rule());
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "cannot write the request: " + e.getMessage(), e);
        }
        List<String> children = request.isSweep()
                ? request.children().stream().map(ExperimentRequest::experimentId).toList() : null;
        PrintWriter out = spec.commandLine().getOut();
        if (dryRun) {
            Json.print(out, body);
            return ExitCode.OK;
        }
        Broker broker = new Broker(kafka);
        RecordMetadata sent;
        try {
            sent = broker.send(kafka.experiments(), request.experimentId(), Json.MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "cannot write the request: " + e.getMessage(), e);
        }
        if (output.json()) {
            Map<String, Object> receipt = new LinkedHashMap<>();
            receipt.put("experimentId", request.experimentId());
            receipt.put("topic", sent.topic());
            receipt.put("partition", sent.partition());
            receipt.put("offset", sent.offset());
            receipt.put("request", body);
            if (children != null) {
                receipt.put("children", children);
            }
            Json.print(out, receipt);
        } else {
            out.println(request.experimentId());
            if (children != null) {
                spec.commandLine().getErr().printf("queued a sweep of %d runs: %s%n", children.size(), String.join(", ", children));
            } else {
                spec.commandLine().getErr().printf("queued %s on %s; follow it with: fmnist watch %s%n",
                        request.network().label(), kafka.experiments(), request.experimentId());
            }
        }
        if (!watch) {
            return ExitCode.OK;
        }
        return new ExperimentWatcher(broker, out, spec.commandLine().getErr(), output.json(), progress.draw())
                .watch(request.experimentId());
    }

    /** An id people can read and type: better-20261129-140247-3fa9 (the suffix keeps two in one second apart). */
    private static String readableId(ObjectNode body) {
        String network = body.path("architecture").asText("better").replaceAll("[^A-Za-z0-9]", "");
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 16) | 1 << 16).substring(1);
        return (network.isEmpty() ? "experiment" : network) + "-" + ID_TIME.format(LocalDateTime.now()) + "-" + suffix;
    }

    private ObjectNode readFile(Path path) {
        try {
            String name = path.getFileName().toString().toLowerCase();
            byte[] bytes = Files.readAllBytes(path);
            JsonNode node = name.endsWith(".yaml") || name.endsWith(".yml") ? new YAMLMapper().readTree(bytes)
                    : Json.MAPPER.readTree(new String(bytes, StandardCharsets.UTF_8));
            if (node == null || !node.isObject()) {
                throw new CliException(ExitCode.USAGE, path + ": expected an object of request fields, like {\"epochs\": 2}");
            }
            return (ObjectNode) node;
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, path + ": " + (e instanceof NoSuchFileException ? "no such file"
                    : "not readable JSON or YAML: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("")), e);
        }
    }

    private ObjectNode parseSweep(String text) {
        int eq = text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw new CliException(ExitCode.USAGE, "--sweep: expected PARAM=V1,V2,... such as k=3,4,5, got '" + text + "'");
        }
        ObjectNode node = Json.MAPPER.createObjectNode().put("parameter", text.substring(0, eq));
        ArrayNode values = node.putArray("values");
        for (String value : text.substring(eq + 1).split(",")) {
            try {
                String v = value.trim();
                if (v.matches("-?\\d+")) {
                    values.add(Long.parseLong(v));
                } else {
                    values.add(Double.parseDouble(v));
                }
            } catch (NumberFormatException e) {
                throw new CliException(ExitCode.USAGE, "--sweep: '" + value + "' is not a number");
            }
        }
        return node;
    }

    /** {@code {"type":"random","trials":N,"space":{...}}} from --search, --trials and friends; the parser checks the rest. */
    private ObjectNode randomSearch() {
        ObjectNode node = Json.MAPPER.createObjectNode().put("type", "random");
        putIfSet(node, "trials", trials);
        putIfSet(node, "seed", searchSeed);
        ObjectNode space = node.putObject("space");
        search.forEach((option, text) -> {
            int colon = text.indexOf(':');
            if (colon <= 0) {
                throw new CliException(ExitCode.USAGE, "--search " + option + ": expected KIND:A,B,... such as "
                        + "logUniform:0.0001,0.01, got '" + text + "'");
            }
            ArrayNode values = space.putObject(option).putArray(text.substring(0, colon));
            for (String value : text.substring(colon + 1).split(",")) {
                try {
                    values.add(Double.parseDouble(value.trim()));
                } catch (NumberFormatException e) {
                    throw new CliException(ExitCode.USAGE, "--search " + option + ": '" + value + "' is not a number", e);
                }
            }
        });
        if (medianStopping != null) {
            node.set("medianStopping", colonPair("--median-stopping", medianStopping, "minTrials", "gracePeriod",
                    "MIN_TRIALS[:GRACE], e.g. 3:1"));
        }
        return node;
    }

    private static void putIfSet(ObjectNode body, String field, Object value) {
        if (value == null) {
            return;
        }
        if (value instanceof String s) {
            body.put(field, s);
        } else if (value instanceof Integer i) {
            body.put(field, i);
        } else if (value instanceof Long l) {
            body.put(field, l);
        } else if (value instanceof Double d) {
            body.put(field, d);
        } else if (value instanceof Boolean b) {
            body.put(field, b);
        }
    }

    /** {@code PATIENCE[:MIN_DELTA]} as the request's object; the request parser then checks the values. */
    private ObjectNode parseEarlyStopping(String text) {
        return colonPair("--early-stopping", text, "patience", "minDelta", "PATIENCE[:MIN_DELTA], e.g. 3:0.001");
    }

    /**
     * {@code FIRST[:SECOND]} as an object of two fields, numbers as written (the request parser checks
     * their types and ranges, naming the field).
     */
    private static ObjectNode colonPair(String flag, String text, String first, String second, String form) {
        String[] parts = text.split(":", -1);
        ObjectNode node = Json.MAPPER.createObjectNode();
        try {
            if (parts.length > 2) {
                throw new NumberFormatException("too many parts");
            }
            node.set(first, Json.MAPPER.readTree(parts[0].trim()));
            if (parts.length > 1) {
                node.set(second, Json.MAPPER.readTree(parts[1].trim()));
            }
            if (!node.get(first).isNumber() || parts.length > 1 && !node.get(second).isNumber()) {
                throw new NumberFormatException("not a number");
            }
        } catch (NumberFormatException | IOException e) {
            throw new CliException(ExitCode.USAGE, flag + ": expected " + form + ", got '" + text + "'", e);
        }
        return node;
    }
}
