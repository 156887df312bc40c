package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.testing.Npy;
import org.finetune.testing.Python;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * ImageDecoder against Keras itself: scripts/keras_preprocess_reference.py runs tf.io.decode_image,
 * tf.image.resize and keras.applications preprocess_input on the same files. Needs the Python
 * environment of scripts/setup_python.sh, passed as system property {@code finetune.python}.
 */
class KerasInteropTest {

  private static final float TOLERANCE = 1e-4f;
  private static final int HEIGHT = 24;
  private static final int WIDTH = 32;

  @TempDir static Path dir;
  private static final Map<String, Path> images = new LinkedHashMap<>();

  @BeforeAll
  static void writeImages() {
    // All of other sizes than 24x32, so resizing happens, both up and down.
    images.put("gray.png", TestImages.write(dir.resolve("gray.png"), TestImages.png(TestImages.gray(37, 23))));
    images.put("rgb.png", TestImages.write(dir.resolve("rgb.png"), TestImages.png(TestImages.rgb(50, 41))));
    images.put("rgba.png", TestImages.write(dir.resolve("rgba.png"), TestImages.png(TestImages.rgba(19, 29))));
    images.put("photo.jpg", TestImages.write(dir.resolve("photo.jpg"), TestImages.jpeg(TestImages.rgb(45, 33))));
    images.put("image.bmp", TestImages.write(dir.resolve("image.bmp"), TestImages.bmp(TestImages.rgb(17, 61))));
    images.put("image.gif", TestImages.write(dir.resolve("image.gif"), TestImages.gif(TestImages.rgb(26, 20))));
  }

  @ParameterizedTest(name = "{0}, {1} channel(s)")
  @CsvSource({
    "caffe, 3", "tf, 3", "torch, 3", "none, 3",
    "vgg16, 3", "mobilenet_v2, 3", "densenet121, 3",
    "tf, 1", "none, 1"
  })
  void matchesKerasWithin1e4(String mode, int channels) throws Exception {
    List<Path> files = new ArrayList<>(images.values());
    if (channels == 1) {
      // TensorFlow decodes BMP and GIF to 3 (or 4) channels only, in Keras too
      files.remove(images.get("image.bmp"));
      files.remove(images.get("image.gif"));
    }
    Npy.Array reference = runKeras(files, mode, channels);
    ImageSpec spec = new ImageSpec(HEIGHT, WIDTH, channels);
    assertArrayEquals(new long[] {files.size(), HEIGHT, WIDTH, channels}, reference.shape());
    try (ImageDecoder decoder = new ImageDecoder(spec, Preprocessing.parse(mode))) {
      int size = spec.valuesPerImage();
      for (int i = 0; i < files.size(); i++) {
        float[] java = decoder.decode(Files.readAllBytes(files.get(i)), files.get(i).toString());
        float worst = 0;
        for (int v = 0; v < size; v++) {
          worst = Math.max(worst, Math.abs(java[v] - reference.values()[i * size + v]));
        }
        assertTrue(worst <= TOLERANCE, files.get(i).getFileName() + " " + mode + ": max abs diff " + worst);
      }
    }
  }

  private static Npy.Array runKeras(List<Path> files, String mode, int channels) throws Exception {
    Path out = dir.resolve("keras-" + mode + "-" + channels + ".npy");
    List<String> args = new ArrayList<>(List.of("--images"));
    files.forEach(f -> args.add(f.toString()));
    args.addAll(
        List.of("--height", "" + HEIGHT, "--width", "" + WIDTH, "--channels", "" + channels, "--mode", mode, "--out", out.toString()));
    Python.Run run = Python.script("keras_preprocess_reference.py", args);
    assertEquals(0, run.exitCode(), "the Keras reference script failed:\n" + run.output());
    return Npy.readFloat32(out);
  }

}
