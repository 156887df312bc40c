package org.finetune.head;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** The head's ops on a small feature map, run in TensorFlow. */
class HeadTest {

  private static final Shape FEATURES = Shape.of(-1, 2, 3, 4);

  @Test
  void poolingGivesTheExpectedFeatureSize() {
    assertEquals(24, Head.pooledSize(Pooling.FLATTEN, FEATURES));
    assertEquals(4, Head.pooledSize(Pooling.AVG, FEATURES));
    assertEquals(4, Head.pooledSize(Pooling.MAX, FEATURES));
    assertEquals(1280, Head.pooledSize(Pooling.FLATTEN, Shape.of(-1, 1280)), "a vector is used as it is");
    assertThrows(FineTuneException.class, () -> Head.pooledSize(Pooling.FLATTEN, Shape.of(-1, -1, -1, 3)));
  }

  @Test
  void kernelsAreGlorotUniformAroundZeroAndBiasesZero() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Head head = Head.create(tf, new HeadConfig(Pooling.FLATTEN, 200, 0.5), Shape.of(-1, 10, 10, 3), 5, 7);
      float[] kernel = values(s, tf, head.variables().get(0));
      float limit = (float) Math.sqrt(6.0 / (300 + 200));
      double mean = 0;
      float min = Float.MAX_VALUE;
      float max = -Float.MAX_VALUE;
      for (float v : kernel) {
        mean += v / kernel.length;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      assertTrue(min >= -limit && max < limit, "within [-limit, limit)");
      assertTrue(min < -0.9 * limit && max > 0.9 * limit, "spans the range: " + min + ".." + max);
      assertTrue(Math.abs(mean) < 0.01 * limit, "centred: mean " + mean);
      for (float b : values(s, tf, head.variables().get(1))) {
        assertEquals(0f, b);
      }
      assertEquals(List.of(Head.DENSE_KERNEL, Head.DENSE_BIAS, Head.LOGITS_KERNEL, Head.LOGITS_BIAS), head.variableNames());
    }
  }

  @Test
  void dropoutActsOnTheTrainingPathOnly() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(FEATURES));
      Head head = Head.create(tf, new HeadConfig(Pooling.FLATTEN, 64, 0.5), FEATURES, 3, 1);
      Placeholder<TInt64> seed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
      Operand<TFloat32> train = head.logits(tf, x, seed);
      Operand<TFloat32> infer = head.logits(tf, x);
      try (TFloat32 input = TFloat32.tensorOf(Shape.of(2, 2, 3, 4), t -> t.scalars().forEach(v -> v.setFloat(1f)))) {
        float[] infer1 = run(s, infer, x, input);
        float[] infer2 = run(s, infer, x, input);
        float[] step1 = runSeeded(s, train, x, input, seed, 1, 1);
        float[] step1Again = runSeeded(s, train, x, input, seed, 1, 1);
        float[] step2 = runSeeded(s, train, x, input, seed, 1, 2);
        assertArrayEquals(infer1, infer2, "inference is deterministic");
        assertArrayEquals(step1, step1Again, "the mask is a function of the step's seed: a resumed run redraws it");
        assertNotEquals(java.util.Arrays.toString(step1), java.util.Arrays.toString(step2), "a new mask each step");
        assertNotEquals(java.util.Arrays.toString(infer1), java.util.Arrays.toString(step1));
      }
    }
  }

  @Test
  void needsTwoClasses() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      FineTuneException e = assertThrows(FineTuneException.class, () -> Head.create(tf, HeadConfig.DEFAULT, FEATURES, 1, 0));
      assertEquals("A classifier needs at least two classes, got 1", e.getMessage());
    }
  }

  private static float[] values(Session s, Ops tf, Operand<TFloat32> op) {
    try (Result r = s.runner().fetch(op).run()) {
      return toArray((TFloat32) r.get(0));
    }
  }

  private static float[] run(Session s, Operand<TFloat32> op, Placeholder<TFloat32> x, TFloat32 input) {
    try (Result r = s.runner().feed(x, input).fetch(op).run()) {
      return toArray((TFloat32) r.get(0));
    }
  }

  private static float[] runSeeded(
      Session s, Operand<TFloat32> op, Placeholder<TFloat32> x, TFloat32 input, Placeholder<TInt64> seed, long... value) {
    try (TInt64 seedValue = TInt64.vectorOf(value);
        Result r = s.runner().feed(x, input).feed(seed, seedValue).fetch(op).run()) {
      return toArray((TFloat32) r.get(0));
    }
  }

  private static float[] toArray(TFloat32 t) {
    return org.finetune.model.StoredTensor.copyOf(t).floats();
  }
}
