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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"The trained artefacts on the models topic, verified, each once, which one the inference service "
                + "serves and which ones it refused, and why.",
            "The topic is compacted: older artefacts of an architecture disappear over time."},
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
     * One artefact, as its newest record; {@code published} counts its records (the same parameters from
     * the same experiment), {@code live} is null when the inference service could not be asked, and
     * {@code refused} says why that service refused it.
     */
    record Artefact(String architecture, String version, String experimentId, Double testAccuracy, Long parameterCount,
            String createdAt, int bytes, long offset, int published, Boolean live, String refused, String problem) {

        Artefact publishedAgain(Artefact newer) {
            return new Artefact(newer.architecture, newer.version, newer.experimentId, newer.testAccuracy,
                    newer.parameterCount, newer.createdAt, newer.bytes, newer.offset, published + 1, newer.live,
                    newer.refused, newer.problem);
        }
    }

    @Override
    public Integer call() {
        Optional<ModelInfo> served = served();
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
        Table table = new Table("ARCHITECTURE", "VERSION", "EXPERIMENT", "TEST ACC", "PARAMETERS", "CREATED", "LIVE");
        for (Artefact a : artefacts) {
            table.row(a.architecture(), a.version(), a.problem() != null ? "unreadable: " + a.problem() : a.experimentId(),
                    Formats.accuracy(a.testAccuracy()), a.parameterCount(),
                    a.createdAt() == null ? null : Formats.time(a.createdAt()),
                    a.live() == null ? "?" : a.live() ? "*" : a.refused() != null ? "refused: " + a.refused() : "");
        }
        table.print(spec.commandLine().getOut());
        return ExitCode.OK;
    }

    private Optional<ModelInfo> served() {
        try (InferenceClient client = new InferenceClient(grpc)) {
            return Optional.of(client.model());
        } catch (CliException e) {
            spec.commandLine().getErr().println("fmnist: live model unknown: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static Artefact describe(ConsumerRecord<String, byte[]> record, Optional<ModelInfo> served) {
        try {
            ModelManifest m = ArtefactCodec.decode(record.value()).manifest();
            // the same parameters can be published twice (a re-run with the same seed): the experiment decides
            Boolean live = served.map(s -> s.getVersion().equals(m.version())
                    && s.getExperimentId().equals(m.experimentId())).orElse(null);
            String refused = served.flatMap(s -> s.getRefusedList().stream()
                    .filter(r -> r.getVersion().equals(m.version()) && r.getExperimentId().equals(nullToEmpty(m.experimentId())))
                    .reduce((older, newer) -> newer)).map(RefusedArtefact::getReason).orElse(null);
            return new Artefact(record.key(), m.version(), m.experimentId(), m.testAccuracy(), m.parameterCount(),
                    m.createdAt(), record.value().length, record.offset(), 1, live, refused, null);
        } catch (ArtefactException e) {
            return new Artefact(record.key(), null, null, null, null, null,
                    record.value() == null ? 0 : record.value().length, record.offset(), 1,
                    served.isPresent() ? false : null, null, e.getMessage());
        }
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }
}
