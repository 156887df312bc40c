package org.finetune.data;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Objects;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Preprocessed images ready for a model, with their labels. Immutable: the pixel array is owned
 * by the batch and only handed out read-only or copied into tensors. (A class rather than a record
 * so that the array is never exposed.)
 */
public final class Batch {

  private final ImageSpec spec;
  private final float[] pixels;
  private final List<ImageEntry> entries;

  /**
   * @param pixels the first {@code entries.size() * spec.valuesPerImage()} floats are the images,
   *     one after the other, each in height, width, channel order; the batch takes the array over
   */
  Batch(ImageSpec spec, float[] pixels, List<ImageEntry> entries) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.entries = List.copyOf(entries);
    long needed = (long) this.entries.size() * spec.valuesPerImage();
    if (pixels.length < needed) {
      throw new IllegalArgumentException(
          "a batch of " + entries.size() + " images of " + spec + " needs " + needed + " floats, found " + pixels.length);
    }
    this.pixels = pixels;
  }

  public ImageSpec spec() {
    return spec;
  }

  public int size() {
    return entries.size();
  }

  /** The images, in the order of their pixels. */
  public List<ImageEntry> entries() {
    return entries;
  }

  /** {@code size() * spec().valuesPerImage()} floats, read-only, without copying. */
  public FloatBuffer pixels() {
    return FloatBuffer.wrap(pixels, 0, valueCount()).slice().asReadOnlyBuffer();
  }

  /** The class index of each image. */
  public int[] labels() {
    return entries.stream().mapToInt(ImageEntry::label).toArray();
  }

  /** The pixels as a {@code [size, height, width, channels]} tensor; the caller closes it. */
  public TFloat32 pixelsTensor() {
    Shape shape = Shape.of(size(), spec.height(), spec.width(), spec.channels());
    // An array-backed buffer is copied in one block; a FloatBuffer would be copied value by value.
    return TFloat32.tensorOf(shape, DataBuffers.of(pixels, true, false).narrow(valueCount()));
  }

  /** The labels as a {@code [size]} int32 tensor; the caller closes it. */
  public TInt32 labelsTensor() {
    return TInt32.vectorOf(labels());
  }

  private int valueCount() {
    return entries.size() * spec.valuesPerImage();
  }

  @Override
  public String toString() {
    return "Batch of " + size() + " images of " + spec;
  }
}
