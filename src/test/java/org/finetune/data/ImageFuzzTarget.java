package org.finetune.data;

/**
 * Fuzz target (Jazzer, {@code scripts/fuzz.sh}): any bytes as an image file, through the header
 * check and TensorFlow's decoder, resized to 8x8 with 3 and with 1 channel. The result is either
 * pixels in [0, 255] or an {@link UnreadableImageException}; anything else escaping (or the JVM
 * crashing in native code) is a bug. The pixel limit is 1 megapixel, not the default 100, so that
 * each input decodes in milliseconds.
 */
public final class ImageFuzzTarget {

  static final long MAX_PIXELS = 1_000_000;

  private static final ImageDecoder RGB = new ImageDecoder(new ImageSpec(8, 8, 3), Preprocessing.NONE, MAX_PIXELS);
  private static final ImageDecoder GRAY = new ImageDecoder(new ImageSpec(8, 8, 1), Preprocessing.NONE, MAX_PIXELS);

  private ImageFuzzTarget() {}

  public static void fuzzerTestOneInput(byte[] data) {
    decode(RGB, data);
    decode(GRAY, data);
  }

  private static void decode(ImageDecoder decoder, byte[] data) {
    float[] pixels;
    try {
      pixels = decoder.decode(data, "fuzz input");
    } catch (UnreadableImageException expected) {
      return;
    }
    if (pixels.length != decoder.spec().valuesPerImage()) {
      throw new IllegalStateException("decoded " + pixels.length + " values for " + decoder.spec());
    }
    for (float v : pixels) {
      if (!(v >= 0 && v <= 255)) {
        throw new IllegalStateException("pixel value " + v + " outside [0, 255]");
      }
    }
  }
}
