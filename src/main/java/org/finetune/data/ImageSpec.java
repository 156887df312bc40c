package org.finetune.data;

import org.finetune.error.FineTuneException;

/**
 * The image size a model takes: what every decoded image is resized to.
 *
 * @param height rows, e.g. 224
 * @param width columns, e.g. 224
 * @param channels 3 for RGB, 1 for grayscale (the two {@code tf.io.decode_image} can produce for
 *     every supported format)
 */
public record ImageSpec(int height, int width, int channels) {

  /** Keeps one image's floats addressable by an int index into a Java array. */
  private static final long MAX_VALUES = Integer.MAX_VALUE - 8;

  public ImageSpec {
    if (height <= 0 || width <= 0) {
      throw FineTuneException.badOption(
          "image size must be positive, found height " + height + " and width " + width);
    }
    if (channels != 1 && channels != 3) {
      throw FineTuneException.badOption(
          "image channels must be 1 (grayscale) or 3 (RGB), found " + channels);
    }
    if ((long) height * width * channels > MAX_VALUES) {
      throw FineTuneException.badOption(
          "image size " + height + "x" + width + "x" + channels + " is too large for one array");
    }
  }

  /** Number of floats one preprocessed image takes: height * width * channels. */
  public int valuesPerImage() {
    return height * width * channels;
  }

  @Override
  public String toString() {
    return height + "x" + width + "x" + channels;
  }
}
