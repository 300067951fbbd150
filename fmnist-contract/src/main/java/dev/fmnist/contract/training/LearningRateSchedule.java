package dev.fmnist.contract.training;

import static dev.fmnist.contract.fields.RequestFields.LR_SCHEDULE;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the learning rate moves over a run's optimiser steps, from the request's {@code learningRate}. */
public enum LearningRateSchedule {
    /** The same rate throughout: the seed's. */
    CONSTANT("constant"),
    /** The rate, then a tenth of it from half the run, then a hundredth from three quarters. */
    STEP("step"),
    /** From the rate down to 0 along half a cosine over the run. */
    COSINE("cosine"),
    /** One cycle: up from a 25th of the rate to the rate over the first 30% of the run, then a cosine down to a 10,000th. */
    ONE_CYCLE("onecycle");

    private final String id;

    LearningRateSchedule(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static LearningRateSchedule fromId(String id) {
        String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.id.equals(wanted)).findFirst().orElseThrow(
                () -> new IllegalArgumentException(LR_SCHEDULE + ": must be one of " + Arrays.stream(values())
                        .map(LearningRateSchedule::id).collect(Collectors.joining(", ")) + ", got \"" + id + "\""));
    }
}
