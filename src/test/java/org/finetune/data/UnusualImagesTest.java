package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune.testing.Npy;
import org.finetune.testing.Python;
import org.finetune.testing.UnusualImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image files TensorFlow can decode though they are unusual: each decodes to what Keras' own
 * pipeline ({@code tf.io.decode_image(channels=3, expand_animations=False)}, then resize) gives,
 * checked against Python TensorFlow, and to the values that make that behaviour explicit.
 */
class UnusualImagesTest {

  private static final ImageSpec SPEC = new ImageSpec(12, 16, 3);
  private static final UnusualImages.Sample SAMPLE = (x, y, band) -> (x * 3000 + y * 700 + band * 9000 + 13) % 65536;

  @TempDir static Path dir;
  private static ImageDecoder decoder;

  @BeforeAll
  static void openDecoder() {
    decoder = new ImageDecoder(SPEC, Preprocessing.NONE);
  }

  @AfterAll
  static void closeDecoder() {
    decoder.close();
  }

  private static float[] decode(byte[] bytes) {
    return decoder.decode(bytes, "test image");
  }

  @Test
  void aSixteenBitPngKeepsTheHighByteOfEachSampleAsTensorFlowDoes() {
    byte[] png16 = UnusualImages.png16(20, 10, SAMPLE);
    byte[] png8 = UnusualImages.png8(20, 10, (x, y, band) -> SAMPLE.at(x, y, band) >> 8);
    assertArrayEquals(decode(png8), decode(png16));
  }

  @Test
  void aCmykJpegBecomesRgb() {
    float[] rgb = decode(UnusualImages.cmykJpeg(20, 10));
    assertEquals(SPEC.valuesPerImage(), rgb.length);
    assertTrue(rgb[0] > 150 && rgb[2] < rgb[0], "light, and yellow taken out of blue: " + rgb[0] + " " + rgb[1] + " " + rgb[2]);
  }

  @Test
  void anAnimatedGifGivesItsFirstFrame() {
    byte[] gif = UnusualImages.animatedGif(TestImages.solid(8, 6, 250, 10, 10), TestImages.solid(8, 6, 10, 10, 250));
    float[] first = decode(TestImages.png(TestImages.solid(8, 6, 250, 10, 10)));
    assertArrayEquals(first, decode(gif));
  }

  @Test
  void eachDecodesAsPythonTensorFlowDecodesIt() throws Exception {
    List<Path> files = new ArrayList<>();
    files.add(TestImages.write(dir.resolve("16bit.png"), UnusualImages.png16(20, 10, SAMPLE)));
    files.add(TestImages.write(dir.resolve("cmyk.jpg"), UnusualImages.cmykJpeg(20, 10)));
    files.add(TestImages.write(dir.resolve("animated.gif"),
        UnusualImages.animatedGif(TestImages.rgb(9, 7), TestImages.solid(9, 7, 10, 10, 250))));
    Path out = dir.resolve("reference.npy");
    List<String> args = new ArrayList<>(List.of("--images"));
    files.forEach(f -> args.add(f.toString()));
    args.addAll(List.of("--height", "" + SPEC.height(), "--width", "" + SPEC.width(), "--channels", "3",
        "--mode", "none", "--out", out.toString()));
    Python.Run run = Python.script("keras_preprocess_reference.py", args);
    assertEquals(0, run.exitCode(), run.output());
    Npy.Array reference = Npy.readFloat32(out);
    int size = SPEC.valuesPerImage();
    for (int i = 0; i < files.size(); i++) {
      float[] java = decode(Files.readAllBytes(files.get(i)));
      float worst = 0;
      for (int v = 0; v < size; v++) {
        worst = Math.max(worst, Math.abs(java[v] - reference.values()[i * size + v]));
      }
      assertTrue(worst <= 1e-4f, files.get(i).getFileName() + ": max abs diff " + worst);
    }
  }
}
