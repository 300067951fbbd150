package dev.fmnist.inference.policy;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.live.LiveStatsView;
import dev.fmnist.inference.messaging.ModelControlTopic;
import dev.fmnist.inference.policy.PromotionPolicy.Candidate;
import dev.fmnist.inference.policy.PromotionPolicy.Challenging;
import dev.fmnist.inference.policy.PromotionPolicy.Contender;
import dev.fmnist.inference.policy.PromotionPolicy.Previous;
import dev.fmnist.inference.policy.PromotionPolicy.Situation;
import dev.fmnist.inference.serving.ModelRepository;
import dev.fmnist.inference.serving.ModelSlot;
import dev.fmnist.inference.serving.PublishedVersions;
import dev.fmnist.proto.v1.RefusedArtefact;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Promotion and rollback for every served model, when {@code fmnist.policy.enabled}: this replica
 * joins the election ({@link PolicyLeadership}) and, while it is the one elected, every
 * {@code fmnist.policy.interval} looks at each served model (its champion and challenger as loaded
 * here, their live statistics, the model-control history) and writes what {@link PromotionPolicy}
 * decides to the model-control topic, by {@value PromotionPolicy#BY}; every replica, this one too,
 * applies it from there. Each decision is logged with its reasons and counted
 * ({@code fmnist_policy_decisions_total}).
 */
@ApplicationScoped
public class PolicyRunner {

    private static final Logger LOG = Logger.getLogger(PolicyRunner.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    InferenceConfig config;

    @Inject
    ModelRepository repository;

    @Inject
    LiveStatsView live;

    @Inject
    ModelControlTopic control;

    @Inject
    MeterRegistry registry;

    private PolicyLoop loop;

    void start(@Observes StartupEvent start) {
        if (!config.policy().enabled()) {
            LOG.debug("policy: off (fmnist.policy.enabled=false); models follow the newest artefact or their pin");
            return;
        }
        PolicyThresholds thresholds = PolicyThresholds.of(config.policy(), config.live().accuracyFloor());
        if (config.policy().interval().isNegative() || config.policy().interval().isZero()) {
            throw new IllegalArgumentException("fmnist.policy.interval: must be positive, got " + config.policy().interval());
        }
        if (!config.live().enabled()) {
            LOG.warn("policy: on, but fmnist.live.enabled=false: without live statistics it challenges newer artefacts "
                    + "and retires those worse on validation, but promotes and rolls back nothing");
        }
        PolicyMetrics metrics = new PolicyMetrics(registry);
        repository.all().forEach(slot -> metrics.register(slot.name()));
        String member = UUID.randomUUID().toString().substring(0, 8);
        loop = new PolicyLoop(member, kafkaConfig, config.kafka().topicPrefix(), config.policy().interval(), thresholds,
                this::situations, control::write, metrics).start();
        LOG.infof("policy: on, member %s of group %s; every %s: last %d labelled (at least %d), agreement >= %s on >= %d "
                + "shadowed, rollback margin %s, accuracy floor %s", member,
                PolicyLeadership.group(config.kafka().topicPrefix()), config.policy().interval(), thresholds.lastLabelled(),
                thresholds.minLabelled(), PromotionPolicy.plain(thresholds.minAgreement()), thresholds.minShadowed(),
                PromotionPolicy.plain(thresholds.rollbackMargin()), PromotionPolicy.plain(thresholds.accuracyFloor()));
    }

    void stop(@Observes ShutdownEvent stop) {
        if (loop != null) {
            loop.close();
        }
    }

    /** Every served model as the policy sees it; none until start-up has chosen what each serves. */
    List<Situation> situations(ControlHistory history) {
        if (!repository.startedUp()) {
            return List.of();
        }
        List<Situation> situations = new ArrayList<>();
        for (ModelSlot slot : repository.all()) {
            situations.add(situation(slot, history));
        }
        return situations;
    }

    private Situation situation(ModelSlot slot, ControlHistory history) {
        String model = slot.name();
        Contender champion = slot.manifest().map(m -> contender(model, m)).orElse(null);
        Challenging challenger = slot.challenger().flatMap(c -> c.manifest()
                .map(m -> new Challenging(contender(model, m), c.mode(), c.share()))).orElse(null);
        String problem = Stream.of(slot.problem(), slot.challengerProblem()).flatMap(Optional::stream)
                .collect(Collectors.joining("; "));
        ModelControl latest = history.latest(model).orElse(null);
        return new Situation(model, latest, champion, challenger,
                champion == null ? null : previous(slot, history, champion),
                champion == null ? null : candidate(slot, history, champion), problem.isEmpty() ? null : problem,
                challengerRefused(slot, latest));
    }

    /**
     * Why this replica refused the challenger {@code latest} names and has not loaded (its refusal's
     * reason, or the slot's word that it cannot be loaded); null when it has not refused it.
     */
    private static String challengerRefused(ModelSlot slot, ModelControl latest) {
        String wanted = latest == null ? null : latest.challengerVersion().orElse(null);
        if (wanted == null || slot.challenger().filter(c -> c.answersTo(wanted)).isPresent()) {
            return null;
        }
        Optional<String> reason = slot.refused().all().stream()
                .filter(r -> r.getVersion().equals(wanted) || r.getExperimentId().equals(wanted))
                .map(RefusedArtefact::getReason).reduce((older, newer) -> newer);
        Optional<String> problem = slot.challengerUnloadable();
        if (reason.isPresent() && (slot.refused().contains(wanted) || problem.isPresent())) {
            return "refused here: " + reason.get();
        }
        return problem.orElse(null);
    }

    private Contender contender(String model, ModelManifest manifest) {
        return new Contender(manifest.version(), manifest, stats(model, manifest.version()));
    }

    private LiveStats stats(String model, String version) {
        return live.get(model, version).orElseGet(() -> LiveStats.empty(model, version));
    }

    /**
     * The champion to roll back to: the newest pin before the champion's on the topic (the fleet's
     * history, which survives restarts), else the version live here before it; never one rolled back
     * from, and only one the models topic still holds.
     */
    private Previous previous(ModelSlot slot, ControlHistory history, Contender champion) {
        List<String> names = new ArrayList<>(history.championsNewestFirst(slot.name()));
        names.addAll(slot.previousVersions());
        for (String name : names) {
            Optional<PublishedVersions.Entry> entry = slot.published().find(name);
            if (entry.isEmpty() || champion.answersTo(entry.get().version())
                    || entry.get().answersTo(champion.version())
                    || history.rolledBackFrom(slot.name(), entry.get()::answersTo)) {
                continue;
            }
            return new Previous(entry.get().version(), stats(slot.name(), entry.get().version()));
        }
        return null;
    }

    /**
     * The newest artefact published after the champion and after every version a control record named
     * (so a version retired or rolled back from is never challenged again), at or above the serving
     * floor and not refused here; null when there is none.
     */
    private Candidate candidate(ModelSlot slot, ControlHistory history, Contender champion) {
        double floor = config.serving().minTestAccuracy();
        for (PublishedVersions.Entry entry : slot.published().newestFirst()) {
            if (entry.answersTo(champion.version()) || history.named(slot.name(), entry::answersTo)) {
                return null;
            }
            if (entry.testAccuracy() < floor || slot.refused().contains(entry.version())) {
                continue;
            }
            return new Candidate(entry.version(), entry.experimentId(), entry.testAccuracy());
        }
        return null;
    }
}
