package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune.data.Augmentation.Flip;
import org.finetune.data.Augmentation.Range;
import org.finetune.data.Augmentation.Transform;
import org.finetune.testing.Npy;
import org.finetune.testing.Python;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotation, zoom and brightness against Keras 3's own layers (scripts/keras_augment_reference.py):
 * with a factor range of zero width Keras' transform is fixed, and the Java one with the same
 * values must give the same pixels. Needs the Python environment (system property finetune.python).
 */
class AugmentationKerasTest {

  private static final int H = 24;
  private static final int W = 32;

  /** case for the script, and the Java change it stands for */
  private record Case(String keras, Transform java) {}

  private static final List<Case> CASES = List.of(
      new Case("rotation:0.1", new Transform(false, false, 0.1, 1, 0, 1)),
      new Case("rotation:-0.25", new Transform(false, false, -0.25, 1, 0, 1)),
      new Case("rotation:0.4", new Transform(false, false, 0.4, 1, 0, 1)),
      new Case("zoom:-0.3", new Transform(false, false, 0, 0.7, 0, 1)),
      new Case("zoom:0.25", new Transform(false, false, 0, 1.25, 0, 1)),
      new Case("brightness:0.2", new Transform(false, false, 0, 1, 0.2 * 255, 1)),
      new Case("brightness:-0.7", new Transform(false, false, 0, 1, -0.7 * 255, 1)));

  @TempDir Path dir;

  @Test
  void rotationZoomAndBrightnessMatchKeras() throws Exception {
    Path image = TestImages.write(dir.resolve("rgb.png"), TestImages.png(TestImages.rgb(45, 33)));
    Path out = dir.resolve("keras.npy");
    List<String> args = new ArrayList<>(List.of("--image", image.toString(), "--height", "" + H, "--width", "" + W,
        "--channels", "3", "--out", out.toString()));
    CASES.forEach(c -> args.addAll(List.of("--case", c.keras())));
    Python.Run run = Python.script("keras_augment_reference.py", args);
    assertEquals(0, run.exitCode(), "the Keras reference script failed:\n" + run.output());
    Npy.Array keras = Npy.readFloat32(out);
    assertArrayEquals(new long[] {CASES.size(), H, W, 3}, keras.shape());

    Augmentation all = new Augmentation(Flip.NONE, Range.of(0.5), Range.of(0.5), Range.of(0.9), Range.ZERO);
    int size = H * W * 3;
    StringBuilder report = new StringBuilder();
    try (ImageDecoder decoder = new ImageDecoder(new ImageSpec(H, W, 3), Preprocessing.NONE, all)) {
      byte[] bytes = java.nio.file.Files.readAllBytes(image);
      for (int k = 0; k < CASES.size(); k++) {
        float[] java = decoder.decode(bytes, "rgb.png", CASES.get(k).java());
        double worst = 0;
        for (int v = 0; v < size; v++) {
          worst = Math.max(worst, Math.abs(java[v] - keras.values()[k * size + v]));
        }
        report.append(CASES.get(k).keras()).append(": ").append(worst).append('\n');
        assertTrue(worst <= 1e-3, CASES.get(k).keras() + ": max abs difference " + worst + " (pixels in [0, 255])");
      }
    }
    System.out.print(report);
  }
}
