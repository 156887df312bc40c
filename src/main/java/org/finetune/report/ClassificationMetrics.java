package org.finetune.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How well a classifier did on labelled images: accuracy, top-k accuracy, per-class precision,
 * recall and F1, their macro and support-weighted averages, and the confusion matrix. Computed
 * from each image's true class and the model's probabilities; immutable.
 *
 * <p>The predicted class is the most probable one, the lowest class index on a tie (as TensorFlow's
 * {@code argMax} and {@code Predictor}'s ranking choose). An image counts for top-k when its true
 * class is among the k classes ranked first in that same order.
 *
 * <p>A ratio with a zero denominator is reported as 0, as scikit-learn's {@code
 * precision_recall_fscore_support(..., zero_division=0)} does: the precision of a class never
 * predicted, the recall of a class with no images; {@link PerClass#precisionDefined()} and
 * {@link PerClass#recallDefined()} say when that happened. F1 is {@code 2 tp / (2 tp + fp + fn)},
 * which equals {@code 2 P R / (P + R)} wherever both are defined, and is 0 when no image is of or
 * predicted as the class. The macro average runs over the classes that occur in the data or in
 * the predictions (scikit-learn's default {@code labels}); the weighted average weights each class
 * by its support.
 */
public final class ClassificationMetrics {

  /**
   * One class's figures.
   *
   * @param support images whose true class it is
   * @param predicted images predicted as it
   * @param truePositives images of it predicted as it
   */
  public record PerClass(
      String label, int support, int predicted, int truePositives, double precision, double recall, double f1) {

    /** False when the class was never predicted: precision is 0/0, reported as 0. */
    public boolean precisionDefined() {
      return predicted > 0;
    }

    /** False when no image is of the class: recall is 0/0, reported as 0. */
    public boolean recallDefined() {
      return support > 0;
    }
  }

  /** Averages of precision, recall and F1 over classes. */
  public record Average(double precision, double recall, double f1) {}

  private final ConfusionMatrix matrix;
  private final int[] actual;
  private final int[] predicted;
  private final int topK;
  private final int topKCorrect;
  private final List<PerClass> perClass;

  private ClassificationMetrics(
      ConfusionMatrix matrix, int[] actual, int[] predicted, int topK, int topKCorrect, List<PerClass> perClass) {
    this.matrix = matrix;
    this.actual = actual;
    this.predicted = predicted;
    this.topK = topK;
    this.topKCorrect = topKCorrect;
    this.perClass = List.copyOf(perClass);
  }

  /**
   * @param labels the model's classes, in its output order
   * @param actual each image's true class, an index into {@code labels}
   * @param probabilities each image's class probabilities, {@code labels.size()} of them
   * @param topK k for top-k accuracy, 1 to the number of classes
   */
  public static ClassificationMetrics compute(List<String> labels, int[] actual, float[][] probabilities, int topK) {
    Objects.requireNonNull(labels, "labels");
    if (actual.length != probabilities.length) {
      throw new IllegalArgumentException(actual.length + " labels but " + probabilities.length + " probability rows");
    }
    if (actual.length == 0) {
      throw new IllegalArgumentException("no images to measure");
    }
    if (topK < 1 || topK > labels.size()) {
      throw new IllegalArgumentException("top-k must be in [1, " + labels.size() + "], got " + topK);
    }
    int[] predicted = new int[actual.length];
    int topKCorrect = 0;
    for (int i = 0; i < actual.length; i++) {
      float[] p = probabilities[i];
      if (p.length != labels.size()) {
        throw new IllegalArgumentException("image " + i + " has " + p.length + " probabilities for " + labels.size() + " classes");
      }
      predicted[i] = argMax(p);
      if (actual[i] >= 0 && actual[i] < p.length && rank(p, actual[i]) < topK) {
        topKCorrect++;
      }
    }
    ConfusionMatrix matrix = ConfusionMatrix.of(labels, actual, predicted);
    List<PerClass> perClass = new ArrayList<>();
    for (int c = 0; c < labels.size(); c++) {
      int tp = matrix.count(c, c);
      int support = matrix.rowSum(c);
      int predictedAs = matrix.columnSum(c);
      int fp = predictedAs - tp;
      int fn = support - tp;
      perClass.add(new PerClass(
          labels.get(c), support, predictedAs, tp, ratio(tp, predictedAs), ratio(tp, support), ratio(2.0 * tp, 2.0 * tp + fp + fn)));
    }
    return new ClassificationMetrics(matrix, actual.clone(), predicted, topK, topKCorrect, perClass);
  }

  /** The index of the largest value, the lowest on a tie. */
  static int argMax(float[] p) {
    int best = 0;
    for (int c = 1; c < p.length; c++) {
      if (p[c] > p[best]) {
        best = c;
      }
    }
    return best;
  }

  /** Where class {@code c} ranks, 0 first: by probability, descending, then by index. */
  static int rank(float[] p, int c) {
    int rank = 0;
    for (int other = 0; other < p.length; other++) {
      if (p[other] > p[c] || (p[other] == p[c] && other < c)) {
        rank++;
      }
    }
    return rank;
  }

  private static double ratio(double numerator, double denominator) {
    return denominator == 0 ? 0.0 : numerator / denominator;
  }

  public ConfusionMatrix confusionMatrix() {
    return matrix;
  }

  public List<String> labels() {
    return matrix.labels();
  }

  /** Images measured. */
  public int images() {
    return actual.length;
  }

  /** Correct predictions over images: the confusion matrix's trace over its sum. */
  public double accuracy() {
    return (double) matrix.trace() / matrix.total();
  }

  public int topK() {
    return topK;
  }

  /** Images whose true class is among the {@link #topK()} most probable, over images. */
  public double topKAccuracy() {
    return (double) topKCorrect / actual.length;
  }

  /** Per class, in the model's class order (classes absent from the data included). */
  public List<PerClass> perClass() {
    return perClass;
  }

  /** The mean over the classes that occur in the data or the predictions. */
  public Average macroAverage() {
    double p = 0;
    double r = 0;
    double f = 0;
    int n = 0;
    for (PerClass c : perClass) {
      if (c.support() > 0 || c.predicted() > 0) {
        p += c.precision();
        r += c.recall();
        f += c.f1();
        n++;
      }
    }
    return new Average(p / n, r / n, f / n);
  }

  /** The mean weighted by each class's support. */
  public Average weightedAverage() {
    double p = 0;
    double r = 0;
    double f = 0;
    for (PerClass c : perClass) {
      p += c.precision() * c.support();
      r += c.recall() * c.support();
      f += c.f1() * c.support();
    }
    int n = actual.length;
    return new Average(p / n, r / n, f / n);
  }

  /** Each image's true class, in the order given. */
  public int[] actual() {
    return actual.clone();
  }

  /** Each image's predicted class, in the order given. */
  public int[] predicted() {
    return predicted.clone();
  }
}
