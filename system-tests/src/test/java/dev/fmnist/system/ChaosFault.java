package dev.fmnist.system;

/** The faults the chaos soak injects, one at a time; what each does is in {@link ChaosSoak}. */
enum ChaosFault {
    /** kill -9 one of the three brokers, then start it again. */
    BROKER_KILL,
    /** kill -9 a trainer (the one training, when one is), then start it again under the same name. */
    TRAINER_KILL,
    /** SIGSTOP a trainer for longer than a lease, then SIGCONT: it must find itself taken over. */
    TRAINER_PAUSE,
    /** kill -9 the inference replica, then start it again on the same ports. */
    INFERENCE_RESTART,
    /** Random bytes, wrong keys, wrong shapes and huge values on every internal topic. */
    GARBAGE,
    /** A claim leased until 2099 written on the state topic for an experiment, then its request queued. */
    FORGED_CLAIM,
    /** An end (FAILED) written by nobody's trainer for an experiment that is running. */
    FORGED_END
}
