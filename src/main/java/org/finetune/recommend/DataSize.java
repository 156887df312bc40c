package org.finetune.recommend;

import java.util.Arrays;
import java.util.List;
import org.finetune.data.Dataset;

/**
 * How much labelled data a task has, and whether that is small or large for fine-tuning.
 *
 * <p>The rule: large when every class has at least {@link #LARGE_PER_CLASS} images, small
 * otherwise. Per class, because a classifier overfits first on its rarest class; the smallest
 * class decides. 1000 per class is where the Keras guidance starts to fine-tune: Chollet's
 * "Building powerful image classification models using very little data" (the Keras blog) calls
 * 1000 images per class very little data, trains only a head on frozen VGG16 features, and with
 * exactly that much data gains by also fine-tuning VGG16's last convolution block at a low
 * learning rate. CS231n's transfer-learning notes give the same picture without a number: with
 * little data, fine-tuning the base overfits; with much, it pays. The total is reported too.
 *
 * @param classNames in label order
 * @param imagesPerClass by label
 */
public record DataSize(List<String> classNames, int[] imagesPerClass) {

  /** Images in the smallest class from which a data set counts as large. */
  public static final int LARGE_PER_CLASS = 1000;

  public DataSize {
    classNames = List.copyOf(classNames);
    imagesPerClass = imagesPerClass.clone();
    if (classNames.isEmpty() || classNames.size() != imagesPerClass.length) {
      throw new IllegalArgumentException(
          "expected a count for each of at least one class, found " + classNames.size() + " classes and "
              + imagesPerClass.length + " counts");
    }
  }

  public static DataSize of(Dataset data) {
    return new DataSize(data.classNames(), data.imagesPerClass());
  }

  @Override
  public int[] imagesPerClass() {
    return imagesPerClass.clone();
  }

  public int classes() {
    return classNames.size();
  }

  public int total() {
    return Arrays.stream(imagesPerClass).sum();
  }

  public int smallestClass() {
    return Arrays.stream(imagesPerClass).min().orElse(0);
  }

  public int largestClass() {
    return Arrays.stream(imagesPerClass).max().orElse(0);
  }

  /** The name of a class with the fewest images (the first in label order). */
  public String smallestClassName() {
    int smallest = smallestClass();
    for (int i = 0; i < imagesPerClass.length; i++) {
      if (imagesPerClass[i] == smallest) {
        return classNames.get(i);
      }
    }
    throw new IllegalStateException("no classes");
  }

  public boolean large() {
    return smallestClass() >= LARGE_PER_CLASS;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DataSize d && classNames.equals(d.classNames) && Arrays.equals(imagesPerClass, d.imagesPerClass);
  }

  @Override
  public int hashCode() {
    return classNames.hashCode() * 31 + Arrays.hashCode(imagesPerClass);
  }

  @Override
  public String toString() {
    return total() + " images in " + classes() + " classes, " + smallestClass() + " to " + largestClass() + " per class";
  }
}
