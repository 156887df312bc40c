package org.finetune.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Leave-one-out nearest-class-mean accuracy on clearly separated and on random features. */
class NearestMeanTest {

  @Test
  void separatedClustersAreClassifiedPerfectly() {
    Random random = new Random(3);
    List<float[]> features = new ArrayList<>();
    int[] labels = new int[60];
    for (int i = 0; i < 60; i++) {
      labels[i] = i % 3;
      // class c sits at 10 * c on feature 0; feature 1 is noise with a huge scale, which standardising tames
      features.add(new float[] {(float) (10 * labels[i] + random.nextGaussian()), (float) (1000 * random.nextGaussian())});
    }
    assertEquals(1.0, NearestMean.leaveOneOutAccuracy(features, labels, 3), 0.05);
  }

  @Test
  void randomFeaturesScoreNearChance() {
    Random random = new Random(4);
    List<float[]> features = new ArrayList<>();
    int[] labels = new int[400];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 4;
      features.add(new float[] {(float) random.nextGaussian(), (float) random.nextGaussian(), (float) random.nextGaussian()});
    }
    double accuracy = NearestMean.leaveOneOutAccuracy(features, labels, 4);
    assertTrue(accuracy > 0.15 && accuracy < 0.35, "chance is 0.25, found " + accuracy);
  }

  @Test
  void eachImageIsLeftOutOfItsOwnClassMean() {
    // Classes {0, 4} and {5, 9}: with itself in its class mean every image would be nearest its own
    // class; left out, 4 is nearer the other class (mean 7: 3) than its own (mean 0: 4), and 5 too.
    List<float[]> features = List.of(new float[] {0f}, new float[] {4f}, new float[] {5f}, new float[] {9f});
    assertEquals(0.5, NearestMean.leaveOneOutAccuracy(features, new int[] {0, 0, 1, 1}, 2), 1e-12);
  }
}
