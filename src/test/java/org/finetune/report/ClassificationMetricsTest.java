package org.finetune.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Exact values, computed by hand, for a small case: three classes, six images, the class 'c'
 * never predicted (its precision is 0/0, reported as 0 as scikit-learn's zero_division=0 does).
 */
class ClassificationMetricsTest {

  static final double EPS = 1e-12;
  static final List<String> ABC = List.of("a", "b", "c");

  //                               true  predicted   top-2
  static final int[] ACTUAL = {0, 0, 0, 1, 1, 2};
  static final float[][] PROBABILITIES = {
    {0.7f, 0.2f, 0.1f}, //          a     a           a, b  yes
    {0.5f, 0.1f, 0.4f}, //          a     a           a, c  yes
    {0.3f, 0.6f, 0.1f}, //          a     b           b, a  yes
    {0.2f, 0.5f, 0.3f}, //          b     b           b, c  yes
    {0.6f, 0.1f, 0.3f}, //          b     a           a, c  no
    {0.4f, 0.35f, 0.25f}, //        c     a           a, b  no
  };

  static ClassificationMetrics metrics(int k) {
    return ClassificationMetrics.compute(ABC, ACTUAL, PROBABILITIES, k);
  }

  @Test
  void confusionMatrixCountsTruePerRowAndPredictedPerColumn() {
    ConfusionMatrix m = metrics(1).confusionMatrix();
    assertArrayEquals(new int[] {2, 1, 0}, m.counts()[0]);
    assertArrayEquals(new int[] {1, 1, 0}, m.counts()[1]);
    assertArrayEquals(new int[] {1, 0, 0}, m.counts()[2]);
    assertEquals(3, m.trace());
    assertEquals(6, m.total());
    assertEquals(3, m.rowSum(0));
    assertEquals(4, m.columnSum(0));
    assertEquals(0, m.columnSum(2));
    assertArrayEquals(new int[] {0, 0, 1, 1, 0, 0}, metrics(1).predicted());
  }

  @Test
  void accuracyAndTopK() {
    assertEquals(0.5, metrics(1).accuracy(), EPS);
    assertEquals(0.5, metrics(1).topKAccuracy(), EPS, "top-1 is accuracy");
    assertEquals(4.0 / 6, metrics(2).topKAccuracy(), EPS);
    assertEquals(1.0, metrics(3).topKAccuracy(), EPS, "top-k over every class is 1");
    assertEquals(2, metrics(2).topK());
  }

  @Test
  void perClassPrecisionRecallF1() {
    List<ClassificationMetrics.PerClass> c = metrics(1).perClass();
    // a: tp 2, predicted 4, support 3
    assertEquals(0.5, c.get(0).precision(), EPS);
    assertEquals(2.0 / 3, c.get(0).recall(), EPS);
    assertEquals(4.0 / 7, c.get(0).f1(), EPS);
    assertEquals(3, c.get(0).support());
    assertEquals(4, c.get(0).predicted());
    // b: tp 1, predicted 2, support 2
    assertEquals(0.5, c.get(1).precision(), EPS);
    assertEquals(0.5, c.get(1).recall(), EPS);
    assertEquals(0.5, c.get(1).f1(), EPS);
    assertTrue(c.get(1).precisionDefined());
  }

  @Test
  void aClassNeverPredictedHasPrecisionZeroMarkedUndefined() {
    ClassificationMetrics.PerClass c = metrics(1).perClass().get(2);
    assertEquals("c", c.label());
    assertEquals(0, c.predicted());
    assertFalse(c.precisionDefined(), "0/0");
    assertEquals(0.0, c.precision(), EPS, "zero_division=0");
    assertTrue(c.recallDefined());
    assertEquals(0.0, c.recall(), EPS);
    assertEquals(0.0, c.f1(), EPS);
  }

  @Test
  void averages() {
    ClassificationMetrics m = metrics(1);
    assertEquals(1.0 / 3, m.macroAverage().precision(), EPS);
    assertEquals(7.0 / 18, m.macroAverage().recall(), EPS);
    assertEquals(5.0 / 14, m.macroAverage().f1(), EPS);
    assertEquals(5.0 / 12, m.weightedAverage().precision(), EPS);
    assertEquals(0.5, m.weightedAverage().recall(), EPS);
    assertEquals(19.0 / 42, m.weightedAverage().f1(), EPS);
  }

  @Test
  void classesAbsentFromTheDataCountInTheMacroAverageOnlyWhenPredicted() {
    // a: right once; b: one image, predicted as c; c: no image, predicted once; d: neither
    List<String> labels = List.of("a", "b", "c", "d");
    float[][] p = {{0.9f, 0.05f, 0.03f, 0.02f}, {0.1f, 0.2f, 0.6f, 0.1f}};
    ClassificationMetrics m = ClassificationMetrics.compute(labels, new int[] {0, 1}, p, 1);
    ClassificationMetrics.PerClass c = m.perClass().get(2);
    assertFalse(c.recallDefined(), "no image of c: recall is 0/0");
    assertEquals(0.0, c.recall(), EPS);
    assertEquals(0.0, c.precision(), EPS);
    assertEquals(0, m.perClass().get(3).support());
    assertEquals(1.0 / 3, m.macroAverage().precision(), EPS, "over a, b, c: d neither occurs nor is predicted");
    assertEquals(1.0 / 3, m.macroAverage().recall(), EPS);
    assertEquals(1.0 / 3, m.macroAverage().f1(), EPS);
    assertEquals(0.5, m.weightedAverage().f1(), EPS);
    assertEquals(0.5, m.accuracy(), EPS);
  }

  @Test
  void tiesGoToTheLowestClassIndexAsArgMaxDoes() {
    float[][] p = {{0.4f, 0.4f, 0.2f}};
    ClassificationMetrics m = ClassificationMetrics.compute(ABC, new int[] {1}, p, 1);
    assertArrayEquals(new int[] {0}, m.predicted());
    assertEquals(0.0, m.topKAccuracy(), EPS, "b ranks second behind a on a tie");
    assertEquals(1.0, ClassificationMetrics.compute(ABC, new int[] {1}, p, 2).topKAccuracy(), EPS);
  }

  @Test
  void mostConfusedCellsLargestFirst() {
    ConfusionMatrix m = ConfusionMatrix.of(ABC, new int[] {0, 0, 0, 1, 2, 2}, new int[] {1, 1, 2, 0, 0, 2});
    assertEquals(List.of(new ConfusionMatrix.Confusion(0, 1, 2), new ConfusionMatrix.Confusion(0, 2, 1),
        new ConfusionMatrix.Confusion(1, 0, 1), new ConfusionMatrix.Confusion(2, 0, 1)), m.mostConfused(10));
    assertEquals(2, m.mostConfused(2).size());
  }

  @Test
  void refusesInconsistentInput() {
    assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.compute(ABC, ACTUAL, PROBABILITIES, 4));
    assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.compute(ABC, ACTUAL, PROBABILITIES, 0));
    assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.compute(ABC, new int[0], new float[0][], 1));
    assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.compute(ABC, new int[] {3}, new float[][] {{1, 0, 0}}, 1));
    assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.compute(ABC, new int[] {0}, new float[][] {{1, 0}}, 1));
  }
}
