package dev.fmnist.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.contract.cli.RecipeOptions;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.MedianStopping;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.experiments.RequestRejectedException;
import dev.fmnist.contract.experiments.RequestWriter;
import dev.fmnist.contract.experiments.SearchDistribution;
import dev.fmnist.contract.experiments.Sweep;
import dev.fmnist.contract.networks.Architecture;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
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
 * Builds a typed request from a file ({@link RequestParser#read}) and flags over it (the recipe's are
 * {@link RecipeOptions}, the same as {@code bin/trainer train}'s), checks it with the trainer's own
 * rules, and queues it as {@link RequestWriter} writes it on the experiments topic, keyed by its id.
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

    @Mixin
    RecipeOptions recipe;

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
        ExperimentRequest request = request();
        List<String> children = request.isSweep()
                ? request.children().stream().map(ExperimentRequest::experimentId).toList() : null;
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode body = RequestWriter.toJson(request);
        if (dryRun) {
            Json.print(out, body);
            return ExitCode.OK;
        }
        Broker broker = new Broker(kafka);
        RecordMetadata sent = broker.send(kafka.experiments(), request.experimentId(), RequestWriter.write(request));
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

    /**
     * The file's request (if any) with the flags over it, checked with the trainer's rules: the
     * contract's parser reads the file, the builder checks the whole.
     */
    private ExperimentRequest request() {
        try {
            ExperimentRequest.Builder request = file == null ? ExperimentRequest.builder() : RequestParser.read(readFile(file));
            recipe.applyTo(request);
            if (id != null) {
                request.optExperimentId(id);
            }
            request.optSweep(sweep(request.sweep()));
            if (tags != null) {
                request.optTags(tags);
            }
            if (!request.hasExperimentId()) {
                request.optExperimentId(readableId(request.architecture()));
            }
            return request.build();
        } catch (RequestRejectedException e) {
            throw new CliException(ExitCode.USAGE, "invalid request: " + e.field() + ": " + e.rule());
        } catch (IllegalArgumentException e) { // a sweep's own rules: "field: rule"
            throw new CliException(ExitCode.USAGE, "invalid request: " + e.getMessage());
        }
    }

    /** The sweep the flags give (a grid or a random search), else the file's; with --parallel-trials set on it. */
    private Sweep sweep(Sweep fromFile) {
        if (search == null && (trials != null || searchSeed != null || medianStopping != null)) {
            throw new CliException(ExitCode.USAGE, "--trials, --search-seed and --median-stopping: belong to a random "
                    + "search; name what it draws with --search");
        }
        if (sweep != null && search != null) {
            throw new CliException(ExitCode.USAGE, "--sweep and --search: a grid or a random search, not both");
        }
        Sweep chosen = sweep != null ? grid(sweep) : search != null ? randomSearch() : fromFile;
        if (parallelTrials == null) {
            return chosen;
        }
        if (chosen == null) {
            throw new CliException(ExitCode.USAGE, "--parallel-trials: needs a sweep (--sweep, --search or one in --file)");
        }
        return chosen.withParallelTrials(parallelTrials);
    }

    /** An id people can read and type: better-20261129-140247-3fa9 (the suffix keeps two in one second apart). */
    private static String readableId(Architecture architecture) {
        String network = architecture == null ? "" : architecture.id().replaceAll("[^A-Za-z0-9]", "");
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 16) | 1 << 16).substring(1);
        return (network.isEmpty() ? "experiment" : network) + "-" + ID_TIME.format(LocalDateTime.now()) + "-" + suffix;
    }

    /** The file as the request's JSON bytes (YAML is read as the same tree). */
    private static byte[] readFile(Path path) {
        try {
            String name = path.getFileName().toString().toLowerCase();
            byte[] bytes = Files.readAllBytes(path);
            JsonNode node = name.endsWith(".yaml") || name.endsWith(".yml") ? new YAMLMapper().readTree(bytes)
                    : Json.MAPPER.readTree(new String(bytes, StandardCharsets.UTF_8));
            if (node == null || !node.isObject()) {
                throw new CliException(ExitCode.USAGE, path + ": expected an object of request fields, like {\"epochs\": 2}");
            }
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, path + ": " + (e instanceof NoSuchFileException ? "no such file"
                    : "not readable JSON or YAML: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("")), e);
        }
    }

    private static Sweep grid(String text) {
        int eq = text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw new CliException(ExitCode.USAGE, "--sweep: expected PARAM=V1,V2,... such as k=3,4,5, got '" + text + "'");
        }
        return Sweep.grid(text.substring(0, eq), numbers("--sweep", text.substring(eq + 1)));
    }

    /** A random search from --search, --trials and friends; the request's rules check the rest. */
    private Sweep randomSearch() {
        Map<String, SearchDistribution> space = new LinkedHashMap<>();
        search.forEach((option, text) -> {
            String flag = "--search " + option;
            int colon = text.indexOf(':');
            if (colon <= 0) {
                throw new CliException(ExitCode.USAGE, flag + ": expected KIND:A,B,... such as "
                        + "logUniform:0.0001,0.01, got '" + text + "'");
            }
            try {
                space.put(option, new SearchDistribution(text.substring(0, colon), numbers(flag, text.substring(colon + 1))));
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, flag + ": " + e.getMessage(), e);
            }
        });
        if (trials == null) {
            throw new CliException(ExitCode.USAGE, "--trials: a random search needs it (how many trials to draw)");
        }
        return Sweep.random(trials, searchSeed == null ? 0L : searchSeed, space,
                medianStopping == null ? null : medianStopping(medianStopping), null);
    }

    /** {@code MIN_TRIALS[:GRACE]}; the rule's own bounds are checked by {@link MedianStopping}. */
    private static MedianStopping medianStopping(String text) {
        String form = "MIN_TRIALS[:GRACE], e.g. 3:1";
        try {
            List<String> parts = RecipeOptions.colonPair(text, form);
            return new MedianStopping(Integer.parseInt(parts.get(0)),
                    parts.size() > 1 ? Integer.parseInt(parts.get(1)) : MedianStopping.DEFAULT_GRACE_PERIOD);
        } catch (NumberFormatException e) {
            throw new CliException(ExitCode.USAGE, "--median-stopping: expected " + form + ", got '" + text + "'", e);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--median-stopping: " + e.getMessage(), e);
        }
    }

    /** Comma-separated numbers, each named by the flag when it is not one. */
    private static List<Double> numbers(String flag, String text) {
        List<Double> numbers = new ArrayList<>();
        for (String value : text.split(",")) {
            try {
                numbers.add(Double.parseDouble(value.trim()));
            } catch (NumberFormatException e) {
                throw new CliException(ExitCode.USAGE, flag + ": '" + value + "' is not a number", e);
            }
        }
        return numbers;
    }
}
