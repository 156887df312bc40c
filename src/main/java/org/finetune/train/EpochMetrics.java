package org.finetune.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What one epoch measured, as Keras' {@code History} records it: mean training loss and accuracy
 * (with dropout active), validation loss and accuracy (null without validation data), plus time.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EpochMetrics(
    String phase,
    int epoch,
    double loss,
    double accuracy,
    Double valLoss,
    Double valAccuracy,
    double seconds,
    double imagesPerSecond) {}
