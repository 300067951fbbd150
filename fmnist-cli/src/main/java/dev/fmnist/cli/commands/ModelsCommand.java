package dev.fmnist.cli.commands;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Formats;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.cli.output.Table;
import dev.fmnist.cli.serving.GrpcOptions;
import dev.fmnist.cli.serving.InferenceClient;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ArtefactException;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.proto.v1.ModelInfo;
import dev.fmnist.proto.v1.RefusedArtefact;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"The trained artefacts on the models topic, verified, each once, with the served model each "
                + "belongs to, which one the inference service serves (and whether it is pinned there), and which "
                + "ones it refused, and why.",
            "The topic keeps every version for 7 days, then only the newest of each architecture.",
            "pin, unpin and rollback change what a model serves on every replica."},
        subcommands = {ModelControlCommands.Pin.class, ModelControlCommands.Unpin.class,
            ModelControlCommands.Rollback.class, LiveCommand.class, HistoryCommand.class},
        footer = ExitCode.HELP_FOOTER)
public final class ModelsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-a", "--architecture"}, paramLabel = "NAME", description = "only this one, e.g. better or compare(k=3)")
    String architecture;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    GrpcOptions grpc;

    @Mixin
    OutputOptions output;

    /**
     * One artefact, as its newest record; {@code model} is the served model it belongs to,
     * {@code published} counts its records (the same parameters from the same experiment), {@code live}
     * is null when the inference service could not be asked (or does not serve that model),
     * {@code pinned} is true when the model is pinned to it, and {@code refused} says why that service
     * refused it.
     */
    record Artefact(String model, String architecture, String version, String experimentId, Double testAccuracy,
            Long parameterCount, String createdAt, int bytes, long offset, int published, Boolean live, Boolean pinned,
            String refused, String problem) {

        Artefact publishedAgain(Artefact newer) {
            return new Artefact(newer.model, newer.architecture, newer.version, newer.experimentId, newer.testAccuracy,
                    newer.parameterCount, newer.createdAt, newer.bytes, newer.offset, published + 1, newer.live,
                    newer.pinned, newer.refused, newer.problem);
        }
    }

    @Override
    public Integer call() {
        try (Served served = new Served(grpc, spec.commandLine().getErr())) {
            return list(served);
        }
    }

    private Integer list(Served served) {
        served.probe();
        // each artefact once: a version published again (same parameters, same experiment) is one row
        Map<String, Artefact> byIdentity = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : new Broker(kafka).readAll(kafka.models())) {
            if (architecture != null && !architecture.equals(record.key())) {
                continue;
            }
            Artefact artefact = describe(record, served);
            String identity = artefact.problem() != null ? "offset " + record.offset()
                    : record.key() + " " + artefact.version() + " " + artefact.experimentId();
            byIdentity.merge(identity, artefact, Artefact::publishedAgain);
        }
        List<Artefact> artefacts = List.copyOf(byIdentity.values());
        if (output.json()) {
            Json.print(spec.commandLine().getOut(), artefacts);
            return ExitCode.OK;
        }
        Table table = new Table("MODEL", "VERSION", "EXPERIMENT", "TEST ACC", "PARAMETERS", "CREATED", "LIVE");
        for (Artefact a : artefacts) {
            table.row(a.model() != null ? a.model() : a.architecture(), a.version(),
                    a.problem() != null ? "unreadable: " + a.problem() : a.experimentId(),
                    Formats.accuracy(a.testAccuracy()), a.parameterCount(),
                    a.createdAt() == null ? null : Formats.time(a.createdAt()),
                    a.live() == null ? "?" : a.live() ? (Boolean.TRUE.equals(a.pinned()) ? "* pinned" : "*")
                            : Boolean.TRUE.equals(a.pinned()) ? "pinned, not live"
                            : a.refused() != null ? "refused: " + a.refused() : "");
        }
        table.print(spec.commandLine().getOut());
        served.summary(spec.commandLine().getOut());
        return ExitCode.OK;
    }

    /** What the inference service at --target says about each model, asked once per model. */
    static final class Served implements AutoCloseable {
        private final GrpcOptions grpc;
        private final PrintWriter err;
        private final Map<String, Optional<ModelInfo>> byModel = new TreeMap<>();
        private final Set<String> reported = new HashSet<>();
        private InferenceClient client; // one connection for every question
        private boolean answered;

        Served(GrpcOptions grpc, PrintWriter err) {
            this.grpc = grpc;
            this.err = err;
        }

        private InferenceClient client() {
            if (client == null) {
                client = new InferenceClient(grpc);
            }
            return client;
        }

        /** The model's state, or empty when the service does not serve it or cannot be asked. */
        Optional<ModelInfo> model(String name) {
            return byModel.computeIfAbsent(name, n -> {
                try {
                    Optional<ModelInfo> info = client().modelIfServed(n);
                    answered = true;
                    return info;
                } catch (CliException e) {
                    report(e);
                    return Optional.empty();
                }
            });
        }

        @Override
        public void close() {
            if (client != null) {
                client.close();
            }
        }

        /** Whether the service answered about some model. */
        boolean answered() {
            return answered;
        }

        /** Asks for the server's first model, so that a server that cannot answer says why even with no artefacts. */
        void probe() {
            try {
                client().model("");
                answered = true;
            } catch (CliException e) {
                report(e);
            }
        }

        private void report(CliException e) {
            if (reported.add(e.getMessage())) {
                err.println("fmnist: live model unknown: " + e.getMessage());
            }
        }

        /** One line per served model: what is live and whether it is pinned, and why. */
        void summary(PrintWriter out) {
            byModel.forEach((name, info) -> info.ifPresent(i -> out.println(name + ": live " + i.getVersion()
                    + (i.getPinned().isEmpty() ? ", follows the newest artefact"
                            : ", pinned to " + i.getPinned() + (i.getControlReason().isEmpty() ? ""
                                    : " (" + i.getControlReason() + ")")))));
        }
    }

    private static Artefact describe(ConsumerRecord<String, byte[]> record, Served served) {
        try {
            ModelManifest m = ArtefactCodec.decode(record.value()).manifest();
            String model = m.networkSpec().servingName();
            Optional<ModelInfo> info = served.model(model);
            // the same parameters can be published twice (a re-run with the same seed): the experiment decides
            Boolean live = info.map(s -> s.getVersion().equals(m.version())
                    && s.getExperimentId().equals(nullToEmpty(m.experimentId()))).orElse(null);
            Boolean pinned = info.map(s -> s.getPinned().equals(m.version())
                    || s.getPinned().equals(m.experimentId())).filter(Boolean::booleanValue).orElse(null);
            String refused = info.flatMap(s -> s.getRefusedList().stream()
                    .filter(r -> r.getVersion().equals(m.version()) && r.getExperimentId().equals(nullToEmpty(m.experimentId())))
                    .reduce((older, newer) -> newer)).map(RefusedArtefact::getReason).orElse(null);
            return new Artefact(model, record.key(), m.version(), m.experimentId(), m.testAccuracy(), m.parameterCount(),
                    m.createdAt(), record.value().length, record.offset(), 1, live, pinned, refused, null);
        } catch (ArtefactException e) {
            return new Artefact(null, record.key(), null, null, null, null, null,
                    record.value() == null ? 0 : record.value().length, record.offset(), 1,
                    served.answered() ? false : null, null, null, e.getMessage());
        }
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }
}
