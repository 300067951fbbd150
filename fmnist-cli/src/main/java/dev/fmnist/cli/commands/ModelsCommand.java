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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"The trained artefacts on the models topic, verified, and which one the inference service serves.",
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

    /** One artefact; {@code live} is null when the inference service could not be asked. */
    record Artefact(String architecture, String version, String experimentId, Double testAccuracy, Long parameterCount,
            String createdAt, int bytes, long offset, Boolean live, String problem) {}

    @Override
    public Integer call() {
        Optional<ModelInfo> served = served();
        List<Artefact> artefacts = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : new Broker(kafka).readAll(kafka.models())) {
            if (architecture != null && !architecture.equals(record.key())) {
                continue;
            }
            artefacts.add(describe(record, served));
        }
        if (output.json()) {
            Json.print(spec.commandLine().getOut(), artefacts);
            return ExitCode.OK;
        }
        Table table = new Table("ARCHITECTURE", "VERSION", "EXPERIMENT", "TEST ACC", "PARAMETERS", "CREATED", "LIVE");
        for (Artefact a : artefacts) {
            table.row(a.architecture(), a.version(), a.problem() != null ? "unreadable: " + a.problem() : a.experimentId(),
                    Formats.accuracy(a.testAccuracy()), a.parameterCount(),
                    a.createdAt() == null ? null : Formats.time(a.createdAt()),
                    a.live() == null ? "?" : a.live() ? "*" : "");
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
            return new Artefact(record.key(), m.version(), m.experimentId(), m.testAccuracy(), m.parameterCount(),
                    m.createdAt(), record.value().length, record.offset(), live, null);
        } catch (ArtefactException e) {
            return new Artefact(record.key(), null, null, null, null, null,
                    record.value() == null ? 0 : record.value().length, record.offset(), served.isPresent() ? false : null,
                    e.getMessage());
        }
    }
}
