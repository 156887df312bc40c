package org.finetune.train;

import org.finetune.error.FineTuneException;
import org.finetune.head.OutputActivation;

/**
 * What the head predicts: one class of {@code outputs} per image (softmax, categorical
 * cross-entropy), or any subset of {@code outputs} labels (sigmoid, binary cross-entropy, a label
 * counting as predicted when its probability is above {@code threshold}).
 *
 * @param threshold the decision threshold of a multi-label task, in (0, 1); unused for single-label
 */
public record LabelTask(int outputs, OutputActivation activation, double threshold) {

  public static final double DEFAULT_THRESHOLD = 0.5;

  public LabelTask {
    if (outputs < 1) {
      throw new IllegalArgumentException("outputs must be positive, found " + outputs);
    }
    if (activation == OutputActivation.SIGMOID) {
      requireThreshold(threshold);
    }
  }

  /** Single-label classification over {@code classes} classes. */
  public static LabelTask singleLabel(int classes) {
    return new LabelTask(classes, OutputActivation.SOFTMAX, DEFAULT_THRESHOLD);
  }

  /** Multi-label classification over {@code labels} labels. */
  public static LabelTask multiLabel(int labels, double threshold) {
    return new LabelTask(labels, OutputActivation.SIGMOID, threshold);
  }

  public boolean multiLabel() {
    return activation == OutputActivation.SIGMOID;
  }

  /**
   * How many yes/no decisions an image counts for in the accuracy: one for a single-label task,
   * one per label for a multi-label one (Keras' {@code binary_accuracy} averages over labels).
   */
  public int decisionsPerImage() {
    return multiLabel() ? outputs : 1;
  }

  /** Refuses a decision threshold outside (0, 1), as {@code --threshold} takes it. */
  public static void requireThreshold(double threshold) {
    if (!(threshold > 0 && threshold < 1)) {
      throw FineTuneException.badOption("--threshold must be between 0 and 1 (exclusive), got " + threshold);
    }
  }
}
