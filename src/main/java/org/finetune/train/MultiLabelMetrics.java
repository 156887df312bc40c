package org.finetune.train;

import java.util.Arrays;

/**
 * Multi-label figures at a decision threshold, from per-label counts over a set of images: per-label
 * precision and recall, micro F1 (over every image-label decision) and macro F1 (the mean of the
 * labels' F1). A 0/0 is 0, as scikit-learn's {@code zero_division=0} has it.
 *
 * @param truePositives per label: images with the label that the model gave it
 * @param falsePositives per label: images without the label that the model gave it
 * @param falseNegatives per label: images with the label that the model did not give it
 */
public record MultiLabelMetrics(double threshold, long[] truePositives, long[] falsePositives, long[] falseNegatives) {

  public MultiLabelMetrics {
    truePositives = truePositives.clone();
    falsePositives = falsePositives.clone();
    falseNegatives = falseNegatives.clone();
    if (falsePositives.length != truePositives.length || falseNegatives.length != truePositives.length) {
      throw new IllegalArgumentException("one count per label in each array");
    }
  }

  public int labels() {
    return truePositives.length;
  }

  public double precision(int label) {
    return ratio(truePositives[label], truePositives[label] + falsePositives[label]);
  }

  public double recall(int label) {
    return ratio(truePositives[label], truePositives[label] + falseNegatives[label]);
  }

  public double f1(int label) {
    return f1(truePositives[label], falsePositives[label], falseNegatives[label]);
  }

  /** Images that have the label. */
  public long support(int label) {
    return truePositives[label] + falseNegatives[label];
  }

  /** F1 over every decision: {@code 2 TP / (2 TP + FP + FN)} with the counts summed over labels. */
  public double microF1() {
    return f1(Arrays.stream(truePositives).sum(), Arrays.stream(falsePositives).sum(), Arrays.stream(falseNegatives).sum());
  }

  /** The unweighted mean of the labels' F1 (scikit-learn's {@code average="macro"}). */
  public double macroF1() {
    double sum = 0;
    for (int i = 0; i < labels(); i++) {
      sum += f1(i);
    }
    return labels() == 0 ? 0 : sum / labels();
  }

  /** The sum of this and {@code other}'s counts (the same labels and threshold). */
  MultiLabelMetrics plus(long[] tp, long[] fp, long[] fn) {
    long[] a = truePositives.clone();
    long[] b = falsePositives.clone();
    long[] c = falseNegatives.clone();
    for (int i = 0; i < a.length; i++) {
      a[i] += tp[i];
      b[i] += fp[i];
      c[i] += fn[i];
    }
    return new MultiLabelMetrics(threshold, a, b, c);
  }

  private static double f1(long tp, long fp, long fn) {
    return ratio(2 * tp, 2 * tp + fp + fn);
  }

  private static double ratio(long a, long b) {
    return b == 0 ? 0 : (double) a / b;
  }
}
