package org.finetune.recommend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Batch moments merged with Chan's formula equal the moments of all values at once. */
class ChannelMomentsTest {

  @Test
  void mergingBatchesOfUnequalSizeGivesTheMomentsOfAllValues() {
    Random random = new Random(1);
    int channels = 3;
    int[] batchSizes = {7, 1, 64, 13};
    double[][] all = new double[channels][0];
    ChannelMoments merged = ChannelMoments.empty(channels);
    for (int size : batchSizes) {
      float[][] batch = new float[channels][size];
      for (int c = 0; c < channels; c++) {
        for (int i = 0; i < size; i++) {
          batch[c][i] = (float) (100 * c + (c + 1) * random.nextGaussian()); // offsets stress the merge
        }
        all[c] = concat(all[c], batch[c]);
      }
      merged = merged.merge(momentsOf(batch));
    }
    assertEquals(85, merged.count());
    for (int c = 0; c < channels; c++) {
      double mean = java.util.Arrays.stream(all[c]).average().orElseThrow();
      double variance = java.util.Arrays.stream(all[c]).map(v -> (v - mean) * (v - mean)).sum() / all[c].length;
      // the batch means arrive as float32, as TensorFlow returns them: about 1e-5 off at 200
      assertEquals(mean, merged.mean()[c], 1e-4);
      assertEquals(variance, merged.variance()[c], 1e-5 * variance);
    }
  }

  @Test
  void ofBatchDividesTheSquaredDeviationsByTheCount() {
    ChannelMoments m = ChannelMoments.ofBatch(4, new float[] {1f, -2f}, new float[] {8f, 0f});
    assertArrayEquals(new double[] {1, -2}, m.mean());
    assertArrayEquals(new double[] {2, 0}, m.variance());
    assertEquals(m, ChannelMoments.empty(2).merge(m));
  }

  @Test
  void channelCountsMustAgree() {
    assertThrows(IllegalArgumentException.class, () -> ChannelMoments.empty(2).merge(ChannelMoments.empty(3)));
    assertThrows(IllegalArgumentException.class, () -> new ChannelMoments(1, new double[2], new double[3]));
  }

  /** Per-channel batch mean and sum of squared deviations, as the TensorFlow reduction computes them. */
  private static ChannelMoments momentsOf(float[][] batch) {
    int channels = batch.length;
    int size = batch[0].length;
    float[] mean = new float[channels];
    float[] deviations = new float[channels];
    for (int c = 0; c < channels; c++) {
      double sum = 0;
      for (float v : batch[c]) {
        sum += v;
      }
      mean[c] = (float) (sum / size);
      double squares = 0;
      for (float v : batch[c]) {
        squares += (v - mean[c]) * (v - mean[c]);
      }
      deviations[c] = (float) squares;
    }
    return ChannelMoments.ofBatch(size, mean, deviations);
  }

  private static double[] concat(double[] a, float[] b) {
    double[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    for (int i = 0; i < b.length; i++) {
      out[a.length + i] = b[i];
    }
    return out;
  }
}
