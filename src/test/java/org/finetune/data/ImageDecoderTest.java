package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.types.TFloat32;
import org.junit.jupiter.api.io.TempDir;

/** Decoding with TensorFlow: channel handling, resizing, the preprocessing values, bad images. */
class ImageDecoderTest {

  private static final int R = 10;
  private static final int G = 100;
  private static final int B = 200;

  private static ImageDecoder rgbDecoder;

  @BeforeAll
  static void openDecoder() {
    rgbDecoder = new ImageDecoder(new ImageSpec(6, 5, 3), Preprocessing.NONE);
  }

  @AfterAll
  static void closeDecoder() {
    rgbDecoder.close();
  }

  /** A solid 7x9 PNG resized to 6x5 stays solid, so every pixel must equal {@code expected}. */
  private static void assertSolid(Preprocessing mode, float... expected) {
    try (ImageDecoder decoder = new ImageDecoder(new ImageSpec(6, 5, 3), mode)) {
      float[] values = decoder.decode(TestImages.png(TestImages.solid(7, 9, R, G, B)), "solid.png");
      assertEquals(6 * 5 * 3, values.length);
      for (int i = 0; i < values.length; i += 3) {
        assertArrayEquals(expected, Arrays.copyOfRange(values, i, i + 3), 1e-5f, mode + " at pixel " + i / 3);
      }
    }
  }

  @Test
  void caffeSwapsToBgrAndSubtractsImageNetMeans() {
    assertSolid(Preprocessing.CAFFE, B - 103.939f, G - 116.779f, R - 123.68f);
  }

  @Test
  void tfScalesToMinusOneToOne() {
    assertSolid(Preprocessing.TF, R / 127.5f - 1, G / 127.5f - 1, B / 127.5f - 1);
  }

  @Test
  void torchNormalisesWithImageNetMeanAndDeviation() {
    assertSolid(
        Preprocessing.TORCH,
        (R / 255f - 0.485f) / 0.229f,
        (G / 255f - 0.456f) / 0.224f,
        (B / 255f - 0.406f) / 0.225f);
  }

  @Test
  void noneKeepsPixelValues() {
    assertSolid(Preprocessing.NONE, R, G, B);
  }

  @Test
  void grayscaleBecomesThreeEqualChannels() {
    BufferedImage gray = TestImages.gray(5, 6);
    float[] values = rgbDecoder.decode(TestImages.png(gray), "gray.png");
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 5; x++) {
        int i = (y * 5 + x) * 3;
        float expected = gray.getRaster().getSample(x, y, 0);
        assertArrayEquals(new float[] {expected, expected, expected}, Arrays.copyOfRange(values, i, i + 3));
      }
    }
  }

  @Test
  void rgbaDropsAlphaWithoutBlending() {
    BufferedImage rgba = TestImages.rgba(5, 6);
    float[] values = rgbDecoder.decode(TestImages.png(rgba), "rgba.png");
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 5; x++) {
        int argb = rgba.getRGB(x, y);
        float[] expected = {(argb >> 16) & 0xFF, (argb >> 8) & 0xFF, argb & 0xFF};
        int i = (y * 5 + x) * 3;
        assertArrayEquals(expected, Arrays.copyOfRange(values, i, i + 3), "pixel " + x + "," + y);
      }
    }
  }

  @Test
  void rgbIsReducedToOneChannelForGrayModels() {
    try (ImageDecoder decoder = new ImageDecoder(new ImageSpec(4, 4, 1), Preprocessing.TF)) {
      float[] values = decoder.decode(TestImages.png(TestImages.solid(4, 4, 255, 255, 255)), "white.png");
      assertEquals(16, values.length);
      assertEquals(1f, values[0], 1e-6f);
    }
  }

  @Test
  void bmpCannotBeReadAsGrayJustAsInKeras() {
    try (ImageDecoder decoder = new ImageDecoder(new ImageSpec(4, 4, 1), Preprocessing.TF)) {
      UnreadableImageException e =
          assertThrows(UnreadableImageException.class, () -> decoder.decode(TestImages.bmp(TestImages.rgb(4, 4)), "x.bmp"));
      assertTrue(e.reason().contains("must be 0, 3 or 4 for BMP"), e.reason());
    }
  }

  @Test
  void resizesEveryFormatToTheModelSize() {
    BufferedImage image = TestImages.rgb(37, 23);
    for (byte[] bytes : List.of(TestImages.png(image), TestImages.jpeg(image), TestImages.gif(image), TestImages.bmp(image))) {
      float[] values = rgbDecoder.decode(bytes, "image");
      assertEquals(6 * 5 * 3, values.length);
    }
  }

  @Test
  void writesIntoItsSlotOfABatchTensorOnly() {
    ImageSpec spec = rgbDecoder.spec();
    int size = spec.valuesPerImage();
    try (TFloat32 batch = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(3, spec.height(), spec.width(), spec.channels()),
        t -> t.scalars().forEach(v -> v.setFloat(-7f)))) {
      rgbDecoder.decodeInto(TestImages.png(TestImages.solid(5, 6, R, G, B)), "solid.png", batch, 1);
      float[] target = new float[size * 3];
      batch.copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(target, false, false));
      assertEquals(-7f, target[size - 1]);
      assertEquals(R, target[size]);
      assertEquals(B, target[2 * size - 1]);
      assertEquals(-7f, target[2 * size]);
    }
  }

  @Test
  void corruptBytesNameTheImage() {
    UnreadableImageException e =
        assertThrows(UnreadableImageException.class, () -> rgbDecoder.decode("garbage!".getBytes(), "cats/bad.jpg"));
    assertEquals("cats/bad.jpg", e.location());
    assertEquals("cannot use image cats/bad.jpg: not a JPEG, PNG, GIF or BMP image (8 bytes)", e.getMessage());
    assertEquals(FineTuneException.Kind.BAD_DATA, e.kind());
  }

  @Test
  void truncatedPngGivesTheDecodersReasonOnOneLine() {
    byte[] png = TestImages.png(TestImages.rgb(40, 40));
    UnreadableImageException e =
        assertThrows(
            UnreadableImageException.class,
            () -> rgbDecoder.decode(Arrays.copyOf(png, png.length / 2), "cats/cut.png"));
    assertOneLineReason(e, "cats/cut.png");
  }

  @Test
  void truncatedJpegGivesTheDecodersReasonOnOneLine() {
    byte[] jpeg = TestImages.jpeg(TestImages.rgb(40, 40));
    UnreadableImageException e =
        assertThrows(
            UnreadableImageException.class,
            () -> rgbDecoder.decode(Arrays.copyOf(jpeg, jpeg.length / 2), "cats/cut.jpg"));
    assertOneLineReason(e, "cats/cut.jpg");
  }

  private static void assertOneLineReason(UnreadableImageException e, String location) {
    assertTrue(e.getMessage().startsWith("cannot use image " + location + ": "), e.getMessage());
    assertFalse(e.reason().isBlank());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertFalse(e.getMessage().contains("[["), e.getMessage());
    assertFalse(e.getMessage().contains("Exception"), e.getMessage());
  }

  @Test
  void refusesADecompressionBombFromItsHeader() {
    UnreadableImageException e =
        assertThrows(
            UnreadableImageException.class,
            () -> rgbDecoder.decode(TestImages.pngDeclaring(50_000, 50_000), "bomb.png"));
    assertEquals(
        "cannot use image bomb.png: its PNG header declares 50000x50000 (2500.0 megapixels to decode),"
            + " over the limit of 100.0; refused unread",
        e.getMessage());
  }

  @Test
  void pixelLimitAppliesBeforeDecodingAValidImage() {
    try (ImageDecoder strict = new ImageDecoder(new ImageSpec(4, 4, 3), Preprocessing.NONE, 100)) {
      byte[] fine = TestImages.png(TestImages.rgb(10, 10));
      byte[] tooBig = TestImages.png(TestImages.rgb(11, 10));
      assertEquals(48, strict.decode(fine, "fine.png").length);
      assertThrows(UnreadableImageException.class, () -> strict.decode(tooBig, "big.png"));
    }
  }

  @Test
  void unreadableFileNamesIt(@TempDir Path dir) {
    Path missing = dir.resolve("cats/gone.png");
    ImageEntry entry = new ImageEntry("cats/gone.png", 0, missing.toString(), new ImageContent.OnDisk(missing));
    UnreadableImageException e =
        assertThrows(
            UnreadableImageException.class,
            () -> {
              try (TFloat32 batch = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(1, 4, 3, 3))) {
                rgbDecoder.decodeInto(entry, batch, 0);
              }
            });
    assertEquals("cannot use image " + missing + ": cannot read it: the file does not exist (any more)", e.getMessage());
  }

  @Test
  void caffeRefusesGrayModels() {
    FineTuneException e =
        assertThrows(FineTuneException.class, () -> new ImageDecoder(new ImageSpec(8, 8, 1), Preprocessing.CAFFE));
    assertEquals(FineTuneException.Kind.BAD_OPTION, e.kind());
  }

  @Test
  void decodesFromSeveralThreadsAtOnce() throws Exception {
    byte[] png = TestImages.png(TestImages.rgb(31, 17));
    float[] expected = rgbDecoder.decode(png, "a.png");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        results.add(pool.submit(() -> rgbDecoder.decode(png, "a.png")));
      }
      for (Future<float[]> result : results) {
        assertArrayEquals(expected, result.get());
      }
    } finally {
      pool.shutdown();
    }
  }
}
