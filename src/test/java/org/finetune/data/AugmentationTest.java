package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.data.Augmentation.Flip;
import org.finetune.data.Augmentation.Range;
import org.finetune.data.Augmentation.Transform;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The augmentation ops on real pixels against the formulas computed in Java, the geometry of
 * rotation and zoom, the seeded draws, and the spec's validation.
 */
class AugmentationTest {

  private static final int H = 24;
  private static final int W = 32;
  private static final int C = 3;
  private static final ImageSpec SPEC = new ImageSpec(H, W, C);
  /** A pattern that differs in every pixel and channel; non-square, so height and width cannot be swapped unseen. */
  private static final byte[] IMAGE = TestImages.png(TestImages.rgb(W, H));

  private static float[][] plainAndChanged(Augmentation augmentation, Transform change) {
    try (ImageDecoder decoder = new ImageDecoder(SPEC, Preprocessing.NONE, augmentation)) {
      return new float[][] {decoder.decode(IMAGE, "image.png"), decoder.decode(IMAGE, "image.png", change)};
    }
  }

  private static float at(float[] image, int y, int x, int c) {
    return image[(y * W + x) * C + c];
  }

  @Test
  void horizontalFlipIsTheExactMirror() {
    float[][] r = plainAndChanged(new Augmentation(Flip.HORIZONTAL, Range.ZERO, Range.ZERO, Range.ZERO, Range.ZERO),
        new Transform(true, false, 0, 1, 0, 1));
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        for (int c = 0; c < C; c++) {
          assertEquals(at(r[0], y, W - 1 - x, c), at(r[1], y, x, c), 0f, "pixel " + y + "," + x + "," + c);
        }
      }
    }
    assertFalse(java.util.Arrays.equals(r[0], r[1]), "the pattern is not symmetric, so the mirror differs");
  }

  @Test
  void bothAxesFlipTogetherAndNoFlipLeavesTheImage() {
    Augmentation both = new Augmentation(Flip.HORIZONTAL_AND_VERTICAL, Range.ZERO, Range.ZERO, Range.ZERO, Range.ZERO);
    float[][] flipped = plainAndChanged(both, new Transform(true, true, 0, 1, 0, 1));
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        for (int c = 0; c < C; c++) {
          assertEquals(at(flipped[0], H - 1 - y, W - 1 - x, c), at(flipped[1], y, x, c), 0f);
        }
      }
    }
    float[][] kept = plainAndChanged(both, Transform.IDENTITY);
    assertArrayEquals(kept[0], kept[1], 0f);
  }

  @ParameterizedTest(name = "delta {0}")
  @CsvSource({"51", "-80", "200"})
  void brightnessAddsTheDeltaAndClips(double delta) {
    float[][] r = plainAndChanged(new Augmentation(Flip.NONE, Range.ZERO, Range.ZERO, Range.of(0.5), Range.ZERO),
        new Transform(false, false, 0, 1, delta, 1));
    int clipped = 0;
    for (int i = 0; i < r[0].length; i++) {
      double expected = Math.min(255, Math.max(0, r[0][i] + delta));
      clipped += expected == 0 || expected == 255 ? 1 : 0;
      assertEquals(expected, r[1][i], 1e-4, "value " + i);
    }
    assertTrue(clipped > 0 && clipped < r[0].length, "the image has both clipped and unclipped values: " + clipped);
  }

  @ParameterizedTest(name = "factor {0}")
  @CsvSource({"1.4", "0.6", "0.05"})
  void contrastScalesAboutEachChannelsMeanAndClips(double factor) {
    float[][] r = plainAndChanged(new Augmentation(Flip.NONE, Range.ZERO, Range.ZERO, Range.ZERO, new Range(0.5, 0.5)),
        new Transform(false, false, 0, 1, 0, factor));
    double[] mean = new double[C];
    for (int i = 0; i < r[0].length; i++) {
      mean[i % C] += r[0][i] / (H * W);
    }
    for (int i = 0; i < r[0].length; i++) {
      double m = mean[i % C];
      double expected = Math.min(255, Math.max(0, (r[0][i] - m) * factor + m));
      assertEquals(expected, r[1][i], 1e-4, "value " + i);
    }
  }

  @Test
  void halfATurnIsBothFlipsWithinInterpolationTolerance() {
    float[][] r = plainAndChanged(new Augmentation(Flip.NONE, Range.of(0.5), Range.ZERO, Range.ZERO, Range.ZERO),
        new Transform(false, false, 0.5, 1, 0, 1));
    double worst = 0;
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        for (int c = 0; c < C; c++) {
          worst = Math.max(worst, Math.abs(at(r[0], H - 1 - y, W - 1 - x, c) - at(r[1], y, x, c)));
        }
      }
    }
    assertTrue(worst < 1e-3, "max abs difference " + worst);
  }

  @Test
  void zoomingInTwiceOnACentredSquareFillsTheImageWithIt() {
    BufferedImage square = TestImages.solid(W, H, 0, 0, 0);
    for (int y = H / 4; y < 3 * H / 4; y++) {
      for (int x = W / 4; x < 3 * W / 4; x++) {
        square.setRGB(x, y, 0xFFFFFF);
      }
    }
    byte[] png = TestImages.png(square);
    try (ImageDecoder decoder = new ImageDecoder(SPEC, Preprocessing.NONE,
        new Augmentation(Flip.NONE, Range.ZERO, Range.of(0.5), Range.ZERO, Range.ZERO))) {
      float[] plain = decoder.decode(png, "square.png");
      float[] zoomed = decoder.decode(png, "square.png", new Transform(false, false, 0, 0.5, 0, 1));
      // Output (y, x) samples (y/2 + (H-1)/4, x/2 + (W-1)/4): inside the square but for the outer ring.
      for (int y = 1; y < H - 1; y++) {
        for (int x = 1; x < W - 1; x++) {
          for (int c = 0; c < C; c++) {
            assertEquals(255f, at(zoomed, y, x, c), 1e-3f, "pixel " + y + "," + x);
          }
        }
      }
      assertEquals(0f, at(plain, 0, 0, 0), 0f);
      assertTrue(at(zoomed, 0, 0, 0) > 100, "the corner samples the square's edge: " + at(zoomed, 0, 0, 0));
      float[] out = decoder.decode(png, "square.png", new Transform(false, false, 0, 2, 0, 1));
      // Zooming out twice: the square covers the middle half of each axis' middle half.
      assertEquals(255f, at(out, H / 2, W / 2, 0), 1e-3f);
      assertEquals(0f, at(out, H / 2, W / 2 - W / 4 + 1, 0), 1e-3f, "outside the shrunk square");
    }
  }

  @Test
  void aPlainDecoderRefusesATransform() {
    try (ImageDecoder decoder = new ImageDecoder(SPEC, Preprocessing.NONE)) {
      assertThrows(IllegalStateException.class, () -> decoder.decode(IMAGE, "image.png", Transform.IDENTITY));
    }
  }

  @Test
  void drawsDependOnSeedEpochAndPathAloneAndStayInTheirRanges() {
    Augmentation a = Augmentation.fromSpec(spec("flip=horizontal,rotation=0.1,zoom=-0.3:0.1,brightness=0.2,contrast=0.25"));
    assertEquals(a.draw(42, 3, "5/0001.png"), a.draw(42, 3, "5/0001.png"));
    assertNotEquals(a.draw(42, 3, "5/0001.png"), a.draw(42, 4, "5/0001.png"));
    assertNotEquals(a.draw(42, 3, "5/0001.png"), a.draw(43, 3, "5/0001.png"));
    assertNotEquals(a.draw(42, 3, "5/0001.png"), a.draw(42, 3, "5/0002.png"));
    int flips = 0;
    for (int i = 0; i < 2000; i++) {
      Transform t = a.draw(42, 1, "class/" + i + ".png");
      flips += t.flipHorizontal() ? 1 : 0;
      assertFalse(t.flipVertical());
      assertTrue(t.turns() >= -0.1 && t.turns() <= 0.1, "turns " + t.turns());
      assertTrue(t.zoom() >= 0.7 && t.zoom() <= 1.1, "zoom " + t.zoom());
      assertTrue(t.brightnessDelta() >= -51 && t.brightnessDelta() <= 51, "delta " + t.brightnessDelta());
      assertTrue(t.contrastFactor() >= 0.75 && t.contrastFactor() <= 1.25, "contrast " + t.contrastFactor());
    }
    assertTrue(flips > 900 && flips < 1100, "about half flip (sd 22): " + flips);
    // Turning a change on or off leaves the other draws as they were.
    Augmentation flipOnly = Augmentation.fromSpec(spec("flip=horizontal"));
    for (int i = 0; i < 100; i++) {
      assertEquals(a.draw(7, 2, i + ".png").flipHorizontal(), flipOnly.draw(7, 2, i + ".png").flipHorizontal());
    }
  }

  @Test
  void specsParseAsKerasFactorsAndPrintBack() {
    Augmentation a = Augmentation.fromSpec(spec("flip=horizontal,rotation=0.1,zoom=0.1,brightness=0.2,contrast=0.2"));
    assertEquals(Flip.HORIZONTAL, a.flip());
    assertEquals(new Range(-0.1, 0.1), a.rotation());
    assertEquals(new Range(-0.1, 0.1), a.zoom());
    assertEquals(new Range(-0.2, 0.2), a.brightness());
    assertEquals(new Range(0.2, 0.2), a.contrast());
    assertEquals("flip=horizontal,rotation=0.1,zoom=0.1,brightness=0.2,contrast=0.2", a.spec());
    assertEquals(a, Augmentation.fromSpec(spec(a.spec())));
    assertEquals(Augmentation.DEFAULT, Augmentation.fromSpec(spec("default")));
    assertEquals("flip=horizontal,rotation=0.1,zoom=0.1", Augmentation.DEFAULT.spec());
    Augmentation crop = Augmentation.fromSpec(spec("default,flip=none,zoom=-0.2:0"));
    assertEquals("rotation=0.1,zoom=-0.2:0", crop.spec());
    assertFalse(Augmentation.NONE.enabled());
    assertEquals("none", Augmentation.fromSpec(spec("none")).spec());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "flip=diagonal | --augment flip=diagonal: expected horizontal, vertical, horizontal_and_vertical or none",
    "rotation=1.5 | --augment rotation=1.5: expected a fraction of a full turn in [0, 1], or LOW:HIGH within [-1, 1]",
    "zoom=1 | --augment zoom=1: expected a fraction in [0, 1), or LOW:HIGH within (-1, 1] (negative zooms in, positive out)",
    "brightness=abc | --augment brightness=abc: 'abc' is not a number; expected a number or LOW:HIGH",
    "contrast=1.5 | --augment contrast=1.5: expected a factor in [0, 1], or LOW:HIGH with both in [0, 1] (contrast from 1 - LOW to 1 + HIGH)",
    "zoom=0.3:0.1 | --augment zoom=0.3:0.1: LOW must not exceed HIGH",
    "rotation=-0.1 | --augment rotation=-0.1: a single factor must not be negative; use LOW:HIGH for a one-sided range",
    "shear=0.2 | --augment shear=0.2: unknown item; expected default, flip=MODE, rotation=F, zoom=F, brightness=F or contrast=F (F a number or LOW:HIGH)",
    "rotation | --augment rotation: no value; expected default, flip=MODE, rotation=F, zoom=F, brightness=F or contrast=F (F a number or LOW:HIGH)",
  })
  void badSpecsNameTheItemAndWhatWasExpected(String spec, String message) {
    FineTuneException e = assertThrows(FineTuneException.class, () -> Augmentation.fromSpec(spec(spec)));
    assertEquals(FineTuneException.Kind.BAD_OPTION, e.kind());
    assertEquals(message, e.getMessage());
  }

  /** As picocli's split="," with mapFallbackValue="" hands them over. */
  static Map<String, String> spec(String text) {
    Map<String, String> items = new LinkedHashMap<>();
    for (String item : text.split(",")) {
      int eq = item.indexOf('=');
      items.put(eq < 0 ? item : item.substring(0, eq), eq < 0 ? "" : item.substring(eq + 1));
    }
    return items;
  }

  @Test
  void sameSeedGivesIdenticalAugmentedBatchesAndAnotherEpochOthers() {
    List<ImageEntry> entries = Dataset.open(java.nio.file.Path.of("data", "digits-5-9", "train")).entries().subList(0, 40);
    Augmentation a = Augmentation.fromSpec(spec("rotation=0.1,zoom=0.1,brightness=0.2,contrast=0.2"));
    ImageSpec digits = new ImageSpec(32, 32, 3);
    try (ImageDecoder decoder = new ImageDecoder(digits, Preprocessing.TF, a)) {
      BatchOptions options = BatchOptions.inOrder(16).withWorkers(2);
      List<float[]> epoch1 = pixels(entries, decoder, options.withAugmentation(a, 42, 1));
      List<float[]> again = pixels(entries, decoder, options.withAugmentation(a, 42, 1));
      List<float[]> epoch2 = pixels(entries, decoder, options.withAugmentation(a, 42, 2));
      List<float[]> plain = pixels(entries, decoder, options);
      List<float[]> off = pixels(entries, decoder, options.withAugmentation(Augmentation.NONE, 42, 1));
      assertEquals(3, epoch1.size());
      for (int b = 0; b < epoch1.size(); b++) {
        assertArrayEquals(epoch1.get(b), again.get(b), 0f, "batch " + b + " is drawn the same");
        assertArrayEquals(plain.get(b), off.get(b), 0f, "NONE decodes as without augmentation");
        assertTrue(meanAbsDifference(epoch1.get(b), epoch2.get(b)) > 0.05, "another epoch, other changes: batch " + b);
        assertTrue(meanAbsDifference(epoch1.get(b), plain.get(b)) > 0.05, "augmented: batch " + b);
      }
      // Each image is changed by its own draw, whatever batch and thread decode it.
      List<float[]> single = pixels(entries.subList(20, 21), decoder, BatchOptions.inOrder(1).withAugmentation(a, 42, 1));
      float[] inBatch = java.util.Arrays.copyOfRange(epoch1.get(1), 4 * digits.valuesPerImage(), 5 * digits.valuesPerImage());
      assertArrayEquals(inBatch, single.get(0), 0f);
    }
  }

  private static List<float[]> pixels(List<ImageEntry> entries, ImageDecoder decoder, BatchOptions options) {
    List<float[]> batches = new ArrayList<>();
    try (BatchStream stream = BatchStream.open(entries, decoder, options, 0, SkipListener.IGNORE)) {
      while (stream.hasNext()) {
        try (Batch batch = stream.next()) {
          float[] values = new float[(int) batch.pixels().size()];
          batch.pixels().copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(values, false, false));
          batches.add(values);
        }
      }
    }
    return batches;
  }

  private static double meanAbsDifference(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += Math.abs(a[i] - b[i]);
    }
    return sum / a.length;
  }
}
