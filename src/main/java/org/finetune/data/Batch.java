package org.finetune.data;

import java.util.List;
import java.util.Objects;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Preprocessed images ready for a model, with their labels. The pixels live in one native
 * {@code [size, height, width, channels]} tensor that the decoder wrote each image into, so a
 * batch reaches TensorFlow without a further copy. The batch owns that tensor: close the batch
 * (not the tensor) when done.
 */
public final class Batch implements AutoCloseable {

  private final ImageSpec spec;
  private final TFloat32 pixels;
  private final List<ImageEntry> entries;

  /** Takes over {@code pixels}, whose first dimension must be {@code entries.size()}. */
  Batch(ImageSpec spec, TFloat32 pixels, List<ImageEntry> entries) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.entries = List.copyOf(entries);
    if (pixels.shape().get(0) != this.entries.size() || pixels.size() != (long) this.entries.size() * spec.valuesPerImage()) {
      throw new IllegalArgumentException(
          "a batch of " + this.entries.size() + " images of " + spec + " needs a tensor of that many, found " + pixels.shape());
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

  /** The pixels as a {@code [size, height, width, channels]} tensor, owned by this batch: do not close it. */
  public TFloat32 pixels() {
    return pixels;
  }

  /** The class index of each image. */
  public int[] labels() {
    return entries.stream().mapToInt(ImageEntry::label).toArray();
  }

  /** The labels as a {@code [size]} int32 tensor; the caller closes it. */
  public TInt32 labelsTensor() {
    return TInt32.vectorOf(labels());
  }

  @Override
  public void close() {
    pixels.close();
  }

  @Override
  public String toString() {
    return "Batch of " + size() + " images of " + spec;
  }
}
