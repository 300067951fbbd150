package dev.fmnist.cli.commands;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.serving.GrpcOptions;
import dev.fmnist.cli.serving.InferenceClient;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ArtefactException;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.proto.v1.ModelInfo;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fmnist models pin | unpin | rollback}: what a served model runs, for every inference replica
 * at once. Each writes one record to the compacted model-control topic under the model's name; every
 * replica applies it, and a replica that restarts reads it again. The accuracy floor does not apply to
 * a pin: the operator chose that version.
 */
final class ModelControlCommands {

    private ModelControlCommands() {}

    /** What the three share: the model, the connections, writing and then watching one replica apply it. */
    abstract static class ModelControlCommand implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @Mixin
        GrpcOptions grpc;

        @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept with the record and shown by 'fmnist models'")
        String reason;

        @Option(names = "--no-wait", description = "do not wait for the --target replica to serve it")
        boolean noWait;

        /** The served model named on the command line, checked. */
        static String servedName(String model) {
            try {
                return NetworkSpec.fromServingName(model).servingName();
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "MODEL: " + e.getMessage(), e);
            }
        }

        /** The artefacts published for {@code model}, oldest first (unreadable ones left out). */
        List<ModelManifest> published(String model) {
            String key = NetworkSpec.fromServingName(model).label();
            List<ModelManifest> manifests = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : new Broker(kafka).readAll(kafka.models())) {
                if (key.equals(record.key())) {
                    try {
                        manifests.add(ArtefactCodec.decode(record.value()).manifest());
                    } catch (ArtefactException e) {
                        // not servable, so not pinnable either
                    }
                }
            }
            return manifests;
        }

        /**
         * The operator's {@code decision}: pinned to {@code pinned} (null: follow the newest), with no
         * challenger (an operator's decision ends a challenger's trial), for the decision history.
         */
        static ModelControl decided(String model, String pinned, ModelDecision decision, String reason) {
            // the reason whole, as before (at most 500 characters); its line in reasons cut to a line's length
            List<String> reasons = List.of(reason.length() <= ModelControl.MAX_REASON_LINE ? reason
                    : reason.substring(0, ModelControl.MAX_REASON_LINE));
            return new ModelControl(model, pinned, reason, Instant.now(), null, null, 0, decision, reasons,
                    ModelControl.OPERATOR);
        }

        static List<ModelManifest> newestFirst(List<ModelManifest> manifests) {
            List<ModelManifest> copy = new ArrayList<>(manifests);
            Collections.reverse(copy);
            return copy;
        }

        /** Writes {@code control}; unless --no-wait, waits until the --target replica serves {@code expected}. */
        int write(ModelControl control, Optional<String> expected) {
            new Broker(kafka).send(kafka.modelControl(), control.model(), control.toJson());
            PrintWriter out = spec.commandLine().getOut();
            out.println(control.model() + ": " + control.pinnedVersion().map(v -> "pinned to " + v)
                    .orElse("follows the newest artefact") + " (written to " + kafka.modelControl() + " for every replica)");
            if (noWait) {
                return ExitCode.OK;
            }
            long deadline = System.currentTimeMillis() + grpc.timeoutSeconds * 1000L;
            try (InferenceClient client = new InferenceClient(grpc)) {
                while (true) {
                    ModelInfo info = client.model(control.model());
                    boolean applied = info.getPinned().equals(control.pinnedVersion().orElse(""))
                            && expected.map(v -> v.equals(info.getVersion()) || v.equals(info.getExperimentId()))
                                    .orElse(true);
                    if (applied) {
                        out.println(control.model() + ": " + grpc.target + " serves " + info.getVersion()
                                + (info.getExperimentId().isEmpty() ? "" : " (" + info.getExperimentId() + ")"));
                        return ExitCode.OK;
                    }
                    if (System.currentTimeMillis() > deadline) {
                        throw new CliException(ExitCode.ERROR, control.model() + ": written, but " + grpc.target
                                + " still serves " + info.getVersion() + (info.getPinned().isEmpty() ? ""
                                : " pinned to " + info.getPinned()) + " after " + grpc.timeoutSeconds + " s");
                    }
                    Thread.sleep(200);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCode.ERROR;
            }
        }
    }

    @Command(name = "pin", mixinStandardHelpOptions = true,
            description = "Serve one artefact version (or the experiment that published it) of MODEL on every replica.",
            footer = ExitCode.HELP_FOOTER)
    static final class Pin extends ModelControlCommand {

        @Parameters(index = "0", paramLabel = "MODEL", description = NetworkSpec.SERVING_NAMES)
        String model;

        @Parameters(index = "1", paramLabel = "VERSION", description = "an artefact version or an experiment id")
        String version;

        @Override
        public Integer call() {
            String name = servedName(model);
            List<ModelManifest> published = published(name);
            if (published.stream().noneMatch(m -> m.version().equals(version) || version.equals(m.experimentId()))) {
                throw new CliException(ExitCode.NOT_FOUND, "VERSION: '" + version + "' is not among the artefacts of "
                        + name + " on " + kafka.models() + " (newest: " + String.join(", ", newestFirst(published).stream()
                                .limit(5).map(ModelManifest::version).toList()) + ")");
            }
            return write(decided(name, version, ModelDecision.PIN, reason == null ? "pinned by fmnist models pin"
                    : reason), Optional.of(version));
        }
    }

    @Command(name = "unpin", mixinStandardHelpOptions = true,
            description = "Let MODEL follow the newest artefact again on every replica.", footer = ExitCode.HELP_FOOTER)
    static final class Unpin extends ModelControlCommand {

        @Parameters(index = "0", paramLabel = "MODEL", description = NetworkSpec.SERVING_NAMES)
        String model;

        @Override
        public Integer call() {
            String name = servedName(model);
            return write(decided(name, null, ModelDecision.UNPIN, reason == null ? "unpinned by fmnist models unpin"
                    : reason), Optional.empty());
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = {"Pin MODEL, on every replica, to the version that was live before the one live now on the "
                + "--target replica (or, if it has none, to the artefact published before it)."},
            footer = ExitCode.HELP_FOOTER)
    static final class Rollback extends ModelControlCommand {

        @Parameters(index = "0", paramLabel = "MODEL", description = NetworkSpec.SERVING_NAMES)
        String model;

        @Override
        public Integer call() {
            String name = servedName(model);
            ModelInfo live;
            try (InferenceClient client = new InferenceClient(grpc)) {
                live = client.model(name);
            }
            String previous = live.getPreviousVersionsList().stream().filter(v -> !v.equals(live.getVersion()))
                    .findFirst().orElseGet(() -> publishedBefore(name, live.getVersion()));
            return write(decided(name, previous, ModelDecision.ROLLBACK, reason == null ? "rollback from "
                    + live.getVersion() : reason), Optional.of(previous));
        }

        private String publishedBefore(String name, String liveVersion) {
            List<ModelManifest> published = published(name);
            String before = null;
            for (ModelManifest m : published) {
                if (m.version().equals(liveVersion)) {
                    if (before != null) {
                        return before;
                    }
                    break;
                }
                before = m.version();
            }
            throw new CliException(ExitCode.NOT_FOUND, name + ": no version before " + liveVersion
                    + " to roll back to (neither live earlier on " + grpc.target + " nor published earlier)");
        }
    }
}
