package dev.fmnist.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Every {@code fmnist.*} setting of the trainer, with its default: the one place they are declared and
 * read. Environment variables map as MicroProfile Config says ({@code FMNIST_TRAINER_THREADS} is
 * {@code fmnist.trainer.threads}).
 */
@ConfigMapping(prefix = "fmnist")
public interface TrainerConfig {

    KafkaTopics kafka();

    Data data();

    Trainer trainer();

    /** Where the project's topics are. */
    interface KafkaTopics {
        /**
         * Topics are {@code PREFIX.experiments}, {@code PREFIX.experiment-events}, ... (the contract's
         * {@code Topic}); the channels in application.properties use the same prefix.
         */
        @WithDefault("fmnist")
        String topicPrefix();
    }

    /** The Fashion-MNIST files. */
    interface Data {
        /** Searched first (then $FMNIST_DATA_DIR, ./data/fashion-mnist, Debian's directory). */
        Optional<String> dir();
    }

    /** How this trainer trains and reports. */
    interface Trainer {
        /** PyTorch intra-op threads; 0 lets PyTorch choose (one per core). */
        @WithDefault("0")
        int threads();

        /** A PROGRESS event at most this often within an epoch, for live progress bars. */
        @WithDefault("2000")
        long progressIntervalMs();

        /** This trainer's name in RUNNING events; unset: {@code host-pid}, unique among trainers. */
        Optional<String> worker();

        /**
         * A checkpoint within an epoch at most this often, besides the one at every epoch's end (but the
         * last); 0: at epoch ends only. What a run taken over mid-epoch loses at most.
         */
        @WithDefault("5m")
        Duration checkpointInterval();

        /**
         * FOR TESTS ONLY: added to every instant this trainer writes on the state topic, to play a
         * machine whose wall clock is off (leases never compare written instants, so it must not matter).
         */
        @WithDefault("0s")
        Duration clockOffset();

        /**
         * At most this many requests parked un-acked while another trainer holds their experiment;
         * beyond it, intake waits on the next one (a log line and a metric say so).
         */
        @WithDefault("1000")
        int parkedMax();

        /**
         * The only folder an experiment request's {@code extraData.path} may name a dataset under (once
         * links are resolved): a request cannot make the trainer read any other file it can read. The
         * default is the run folder's {@code extra-data} (bin/up's {@code .run/extra-data}).
         */
        @WithDefault("${FMNIST_RUN_DIR:.run}/extra-data")
        String extraDataRoot();
    }
}
