package dev.fmnist.inference.policy;

import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.policy.PromotionPolicy.Decision;
import dev.fmnist.inference.policy.PromotionPolicy.Situation;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.Consumer;
import org.jboss.logging.Logger;

/**
 * The policy's one thread: it stays in the election ({@link PolicyLeadership}) and, every
 * {@code interval} while it leads, decides for each served model and writes what is not HOLD.
 *
 * <p>One leader is enough, and a second one for a moment (a paused replica that has not yet learnt it
 * was replaced) does no harm: a decision is a function of the state (what is live, the live
 * statistics, the newest control record), so two leaders looking at the same state write the same
 * record, and every decision changes the state it was taken on: the next evaluation sees the record
 * written (this loop does not decide again for a model until it has read its own record back) and,
 * until the replicas apply it, holds. A decision the newest record already says is never written again.
 */
final class PolicyLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PolicyLoop.class);
    /** How long one poll waits: also how soon the loop notices it is closed. */
    static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(2);
    /** A HOLD whose reasons changed is logged at most this often per model (labels change them every few seconds). */
    private static final Duration HOLD_LOG = Duration.ofMinutes(1);

    /** What the policy looks at for each served model, built from {@code history} (its newest records). */
    @FunctionalInterface
    interface Situations {
        List<Situation> of(ControlHistory history);
    }

    /** Writes a record to the model-control topic and returns its offset. */
    @FunctionalInterface
    interface Writer {
        long write(ModelControl control);
    }

    private final String member;
    private final Duration interval;
    private final PolicyThresholds thresholds;
    private final Situations situations;
    private final Writer writer;
    private final PolicyMetrics metrics;
    private final ControlHistory history = new ControlHistory();
    private final PolicyLeadership leadership;
    /** Per model, the offset of the last record this loop wrote: it decides again once it has read it back. */
    private final Map<String, Long> written = new HashMap<>();
    private final Map<String, String> lastHold = new HashMap<>();
    private final Map<String, Long> lastHoldLogged = new HashMap<>();
    private volatile boolean stopping;
    private Thread thread;

    PolicyLoop(String member, Map<String, Object> kafkaConfig, String prefix, Duration interval,
            PolicyThresholds thresholds, Situations situations, Writer writer, PolicyMetrics metrics) {
        this(member, PolicyLeadership.consumer(kafkaConfig, prefix, member), prefix, interval, thresholds, situations,
                writer, metrics);
    }

    /** As above, in the election through {@code consumer}: a test's mock, whose rebalances the test decides. */
    PolicyLoop(String member, Consumer<String, byte[]> consumer, String prefix, Duration interval,
            PolicyThresholds thresholds, Situations situations, Writer writer, PolicyMetrics metrics) {
        this.member = member;
        this.interval = interval;
        this.thresholds = thresholds;
        this.situations = situations;
        this.writer = writer;
        this.metrics = metrics;
        this.leadership = new PolicyLeadership(consumer, prefix, member, this::elected, history::add);
    }

    /** Runs on a daemon thread of its own until {@link #close}. */
    synchronized PolicyLoop start() {
        if (thread != null) {
            throw new IllegalStateException("policy " + member + " already runs");
        }
        thread = new Thread(this::run, "policy-" + member);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void elected() {
        history.clear();
        written.clear();
    }

    private void run() {
        long next = System.nanoTime();
        try {
            while (!stopping) {
                try {
                    boolean leads = leadership.poll(POLL);
                    if (System.nanoTime() - next >= 0) {
                        next = System.nanoTime() + interval.toNanos();
                        if (leads) {
                            round();
                        }
                    }
                } catch (RuntimeException e) { // a broker out of reach: the group takes this member back later
                    if (stopping) {
                        break;
                    }
                    LOG.warnf("policy: %s: %s; trying again in %d s", member, e.toString(), RETRY.toSeconds());
                    sleep(RETRY);
                }
            }
        } finally {
            leadership.close();
        }
    }

    /** One evaluation of every served model; what is not HOLD, and not already said, is written. */
    void round() {
        for (Situation s : situations.of(history)) {
            Long mine = written.get(s.model());
            if (mine != null && leadership.position() <= mine) {
                continue; // our own last record not read back yet: the state it changes is not known yet
            }
            Decision decision = PromotionPolicy.decide(s, thresholds);
            if (!decision.written()) {
                logHold(s.model(), decision);
                continue;
            }
            if (decision.sameAs(s.control())) {
                continue;
            }
            // leadership may have moved while this round decided (a rebalance, a lost session): a deposed
            // leader writes nothing; a record read meanwhile changed the state decided on, so decide again
            if (!leadership.confirm()) {
                LOG.infof("policy: %s no longer leads; %s %s not written", member, s.model(), decision.describe());
                return;
            }
            if (!Objects.equals(history.latest(s.model()).orElse(null), s.control())) {
                continue;
            }
            lastHold.remove(s.model());
            long offset;
            try {
                offset = writer.write(decision.control(s.model()));
            } catch (RuntimeException e) {
                LOG.warnf("policy: %s %s not written (%s); decided again in the next round", s.model(),
                        decision.describe(), e.getMessage());
                continue;
            }
            written.put(s.model(), offset);
            metrics.decided(s.model(), decision.decision());
            LOG.infof("policy: %s %s (model-control offset %d, by %s)", s.model(), decision.describe(), offset, member);
        }
    }

    private void logHold(String model, Decision decision) {
        String reasons = decision.describe();
        long now = System.nanoTime();
        Long logged = lastHoldLogged.get(model);
        boolean changed = !reasons.equals(lastHold.get(model));
        if (changed && (logged == null || now - logged >= HOLD_LOG.toNanos())) {
            LOG.infof("policy: %s %s", model, reasons);
            lastHoldLogged.put(model, now);
        } else {
            LOG.debugf("policy: %s %s", model, reasons);
        }
        lastHold.put(model, reasons);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops deciding and leaves the group, so another replica is elected at once. */
    @Override
    public void close() {
        stopping = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null) {
            leadership.close();
            return;
        }
        try {
            t.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
