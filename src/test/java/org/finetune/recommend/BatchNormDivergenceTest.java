package org.finetune.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The per-layer divergence is the Gaussian KL divergence averaged over channels. */
class BatchNormDivergenceTest {

  private static ChannelMoments moments(double[] mean, double[] variance) {
    return new ChannelMoments(100, mean, variance);
  }

  @Test
  void identicalStatisticsDivergeByZero() {
    ChannelMoments m = moments(new double[] {0.5, -3}, new double[] {2, 0.25});
    assertEquals(0, BatchNormSimilarity.divergence(m, new float[] {0.5f, -3f}, new float[] {2f, 0.25f}), 1e-12);
  }

  @Test
  void aMeanShiftOfDStandardDeviationsDivergesByHalfDSquared() {
    // Cohen's small effect, d = 0.2, is the threshold: KL = 0.02
    ChannelMoments m = moments(new double[] {0.2 * 3}, new double[] {9});
    assertEquals(0.02, BatchNormSimilarity.divergence(m, new float[] {0f}, new float[] {9f}), 1e-9);
    assertEquals(BatchNormSimilarity.THRESHOLD, 0.02);
  }

  @Test
  void aVarianceRatioDivergesByTheGaussianFormulaAndChannelsAreAveraged() {
    // KL(N(0, 4) || N(0, 1)) = (4 - 1 - ln 4) / 2; the second channel matches exactly
    ChannelMoments m = moments(new double[] {0, 1}, new double[] {4, 1});
    double expected = (4 - 1 - Math.log(4)) / 2 / 2;
    assertEquals(expected, BatchNormSimilarity.divergence(m, new float[] {0f, 1f}, new float[] {1f, 1f}), 1e-9);
  }

  @Test
  void variancesBelowTheBatchNormEpsilonCountAsTheEpsilon() {
    // a dead channel (variance 0) in both: no divergence, not a division by zero
    ChannelMoments dead = moments(new double[] {0}, new double[] {0});
    assertEquals(0, BatchNormSimilarity.divergence(dead, new float[] {0f}, new float[] {0f}), 1e-12);
    // a shift of 0.01 against a variance of 1e-6 is measured against the floor 1e-3
    ChannelMoments shifted = moments(new double[] {0.01}, new double[] {1e-6});
    assertEquals(0.5 * 1e-4 / 1e-3, BatchNormSimilarity.divergence(shifted, new float[] {0f}, new float[] {1e-6f}), 1e-9);
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertEquals(2, BatchNormSimilarity.median(new double[] {5, 1, 2}));
    assertEquals(2.5, BatchNormSimilarity.median(new double[] {4, 1, 3, 2}));
  }

  @Test
  void theScoreIsOneHalfAtTheThreshold() {
    Similarity at = new Similarity(Similarity.Measure.BATCH_NORM, 0.02, 0.02, java.util.List.of(), null, 1);
    assertEquals(0.5, at.score(), 1e-12);
    assertEquals(true, at.similar());
    Similarity beyond = new Similarity(Similarity.Measure.BATCH_NORM, 0.04, 0.02, java.util.List.of(), null, 1);
    assertEquals(0.25, beyond.score(), 1e-12);
    assertEquals(false, beyond.similar());
    assertEquals(1.0, new Similarity(Similarity.Measure.FEATURES, 0, 0.1, java.util.List.of(), null, 1).score());
  }
}
