package org.finetune.recommend;

import java.util.Arrays;

/**
 * Per-channel mean and (population) variance of a tensor over many values, merged batch by batch
 * with Chan et al.'s parallel formula so that no activation has to be kept: a batch contributes
 * its count, its means and its sums of squared deviations from those means.
 *
 * @param count values seen per channel
 * @param mean per channel
 * @param variance per channel, divided by {@code count} (as BatchNormalization measures it)
 */
public record ChannelMoments(long count, double[] mean, double[] variance) {

  public ChannelMoments {
    if (count < 0 || mean.length != variance.length) {
      throw new IllegalArgumentException(
          "expected a non-negative count and as many variances as means, found count " + count + ", "
              + mean.length + " means and " + variance.length + " variances");
    }
    mean = mean.clone();
    variance = variance.clone();
  }

  /** Nothing seen yet over {@code channels} channels. */
  public static ChannelMoments empty(int channels) {
    return new ChannelMoments(0, new double[channels], new double[channels]);
  }

  /**
   * The moments of one batch.
   *
   * @param count values per channel in the batch
   * @param mean the batch's per-channel means
   * @param squaredDeviations per channel, the sum over the batch of (value - mean)^2
   */
  public static ChannelMoments ofBatch(long count, float[] mean, float[] squaredDeviations) {
    double[] m = new double[mean.length];
    double[] v = new double[mean.length];
    for (int c = 0; c < m.length; c++) {
      m[c] = mean[c];
      v[c] = count == 0 ? 0 : squaredDeviations[c] / count;
    }
    return new ChannelMoments(count, m, v);
  }

  /** The moments of everything this and {@code other} have seen. */
  public ChannelMoments merge(ChannelMoments other) {
    if (other.mean.length != mean.length) {
      throw new IllegalArgumentException("cannot merge " + mean.length + " channels with " + other.mean.length);
    }
    if (other.count == 0) {
      return this; // also keeps an empty batch's undefined (0/0) means out
    }
    if (count == 0) {
      return other;
    }
    long n = count + other.count;
    double[] m = new double[mean.length];
    double[] v = new double[mean.length];
    for (int c = 0; c < m.length; c++) {
      double delta = other.mean[c] - mean[c];
      m[c] = mean[c] + delta * other.count / n;
      double m2 = variance[c] * count + other.variance[c] * other.count + delta * delta * count * other.count / n;
      v[c] = m2 / n;
    }
    return new ChannelMoments(n, m, v);
  }

  public int channels() {
    return mean.length;
  }

  @Override
  public double[] mean() {
    return mean.clone();
  }

  @Override
  public double[] variance() {
    return variance.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelMoments m && count == m.count && Arrays.equals(mean, m.mean)
        && Arrays.equals(variance, m.variance);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(mean) * 31 + Long.hashCode(count);
  }

  @Override
  public String toString() {
    return "ChannelMoments[" + channels() + " channels over " + count + " values]";
  }
}
