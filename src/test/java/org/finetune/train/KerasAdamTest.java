package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.finetune.model.StoredTensor;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Optimizer.GradAndVar;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/** KerasAdam's updates equal Keras' Adam formula, step after step, for every variable. */
class KerasAdamTest {

  @Test
  void threeStepsFollowKerasAdamExactly() {
    int variables = 16;
    float lr = 0.01f;
    float[][] initial = new float[variables][];
    float[][] gradient = new float[variables][];
    for (int i = 0; i < variables; i++) {
      initial[i] = new float[] {1f + i, -2f, 0.5f * i};
      gradient[i] = new float[] {0.3f, -1.5f + i, 2f};
    }
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      List<Variable<TFloat32>> vars = new ArrayList<>();
      List<GradAndVar<? extends TType>> pairs = new ArrayList<>();
      for (int i = 0; i < variables; i++) {
        Variable<TFloat32> v = tf.withName("w" + i).variable(tf.constant(initial[i]));
        vars.add(v);
        // loss = sum(w * c) has the constant gradient c
        pairs.add(new GradAndVar<>(tf.constant(gradient[i]).asOutput(), v.asOutput()));
      }
      Op step = new KerasAdam(g, "adam", tf.constant(lr)).applyGradients(pairs, "step");
      try (Session s = new Session(g)) {
        double[][] w = new double[variables][3];
        double[][] m = new double[variables][3];
        double[][] v = new double[variables][3];
        for (int i = 0; i < variables; i++) {
          for (int j = 0; j < 3; j++) {
            w[i][j] = initial[i][j];
          }
        }
        for (int t = 1; t <= 3; t++) {
          s.run(step);
          double alpha = lr * Math.sqrt(1 - Math.pow(KerasAdam.BETA_2, t)) / (1 - Math.pow(KerasAdam.BETA_1, t));
          for (int i = 0; i < variables; i++) {
            float[] actual = read(s, vars.get(i));
            for (int j = 0; j < 3; j++) {
              double grad = gradient[i][j];
              m[i][j] += (grad - m[i][j]) * (1 - KerasAdam.BETA_1);
              v[i][j] += (grad * grad - v[i][j]) * (1 - KerasAdam.BETA_2);
              w[i][j] -= alpha * m[i][j] / (Math.sqrt(v[i][j]) + KerasAdam.EPSILON);
              assertEquals(w[i][j], actual[j], 2e-6, "step " + t + " variable " + i + "[" + j + "]");
            }
          }
        }
      }
    }
  }

  private static float[] read(Session s, Output<TFloat32> var) {
    try (Result r = s.runner().fetch(var).run()) {
      return StoredTensor.copyOf(r.get(0)).floats();
    }
  }

  private static float[] read(Session s, Variable<TFloat32> var) {
    return read(s, var.asOutput());
  }
}
