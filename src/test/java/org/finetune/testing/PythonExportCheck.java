package org.finetune.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.finetune.Predictor;

/**
 * Proves an export serves in Python TensorFlow: Java predicts on the inputs with {@link
 * Predictor}, then {@code scripts/verify_export.py} loads the export in Python and compares
 * (1e-5), checks the signature and that no training state is left, and runs {@code saved_model_cli}.
 */
public final class PythonExportCheck {

  private PythonExportCheck() {}

  /** Fails the test unless every check of verify_export.py passes; {@code work} receives the files. */
  public static void verify(Path export, Npy.Array inputs, Path work) throws Exception {
    verify(export, inputs, work, false);
  }

  /**
   * As {@link #verify(Path, Npy.Array, Path)}; {@code multiLabel}: the export has sigmoid
   * probabilities alone (no class_ids), which verify_export.py checks are not a softmax.
   */
  public static void verify(Path export, Npy.Array inputs, Path work, boolean multiLabel) throws Exception {
    int n = (int) inputs.shape()[0];
    float[][] probabilities;
    try (Predictor predictor = Predictor.load(export)) {
      probabilities = predictor.probabilities(inputs.values(), n);
    }
    int classes = probabilities[0].length;
    Path in = work.resolve("inputs.npy");
    Path expected = work.resolve("probabilities.npy");
    Path classIds = work.resolve("class_ids.npy");
    Npy.writeFloat32(in, inputs.shape(), inputs.values());
    Npy.writeFloat32(expected, new long[] {n, classes}, flatten(probabilities));
    List<String> arguments = new java.util.ArrayList<>(List.of("--export", export.toString(), "--inputs", in.toString(),
        "--expected-probabilities", expected.toString(), "--tolerance", "1e-5", "--report", work.resolve("report.json").toString()));
    if (multiLabel) {
      arguments.add("--multi-label");
    } else {
      Npy.writeInt64(classIds, new long[] {n}, argMax(probabilities));
      arguments.addAll(List.of("--expected-class-ids", classIds.toString()));
    }
    Python.Run run = Python.script("verify_export.py", arguments);
    assertEquals(0, run.exitCode(), export + ": verify_export.py failed:\n" + run.output());
  }

  private static float[] flatten(float[][] rows) {
    float[] out = new float[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * rows[i].length, rows[i].length);
    }
    return out;
  }

  private static long[] argMax(float[][] rows) {
    long[] out = new long[rows.length];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 1; j < rows[i].length; j++) {
        if (rows[i][j] > rows[i][(int) out[i]]) {
          out[i] = j;
        }
      }
    }
    return out;
  }
}
