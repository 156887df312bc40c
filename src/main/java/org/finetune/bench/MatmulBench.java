package org.finetune.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.finetune.train.SessionThreads;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The fp32 matrix-multiply throughput TensorFlow reaches on this machine: each run computes A*B,
 * B*A, A*A and B*B for two n x n matrices fed as placeholders (so nothing is constant-folded) and
 * fetches only the sum of the products. GFLOP/s = 4 * 2n^3 * runs / seconds, after 2 untimed runs.
 */
final class MatmulBench {

  private MatmulBench() {}

  static Map<String, Object> run(int n, int runs, int threads) {
    float[] a = random(n, 1);
    float[] b = random(n, 2);
    Map<String, Object> r = new LinkedHashMap<>();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> pa = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, n)));
      Placeholder<TFloat32> pb = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, n)));
      Operand<TFloat32> total = tf.constant(0f);
      Operand<?>[][] pairs = {{pa, pb}, {pb, pa}, {pa, pa}, {pb, pb}};
      for (Operand<?>[] pair : pairs) {
        @SuppressWarnings("unchecked")
        Operand<TFloat32> product = tf.linalg.matMul((Operand<TFloat32>) pair[0], (Operand<TFloat32>) pair[1]);
        total = tf.math.add(total, tf.reduceSum(product, tf.constant(new int[] {0, 1})));
      }
      try (Session session = new Session(graph, SessionThreads.config(threads));
          TFloat32 ta = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(a, true, false));
          TFloat32 tb = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(b, true, false))) {
        for (int i = 0; i < 2; i++) {
          once(session, pa, pb, ta, tb, total);
        }
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
          once(session, pa, pb, ta, tb, total);
        }
        double seconds = InferenceBench.seconds(start);
        double flops = 4.0 * 2.0 * n * (double) n * n * runs;
        r.put("matmul_size", n);
        r.put("runs", runs);
        r.put("timed_s", seconds);
        r.put("gflops", flops / seconds / 1e9);
      }
    }
    return r;
  }

  private static void once(
      Session session, Placeholder<TFloat32> pa, Placeholder<TFloat32> pb, TFloat32 a, TFloat32 b, Operand<TFloat32> total) {
    try (Result ignored = session.runner().feed(pa, a).feed(pb, b).fetch(total).run()) {
      // only the time matters
    }
  }

  /** Values of unit scale over sqrt(n), so products stay of order 1 (no overflow, no denormals). */
  private static float[] random(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] v = new float[n * n];
    double scale = 1.0 / Math.sqrt(n);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
    }
    return v;
  }
}
