package org.finetune.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.finetune.error.FineTuneException;

/**
 * A labelled image data set in Keras' layout: one sub-folder per class, read from a folder or from
 * a .tar.gz, .tgz, .tar or .zip archive of one (optionally inside a single wrapper folder).
 *
 * @param source where the class folders are, for messages
 * @param classNames the class folder names in Python's sorted order; a label is an index here
 * @param entries every image, ordered by label, then path
 * @param skipped what the scan passed over
 */
public record Dataset(String source, List<String> classNames, List<ImageEntry> entries, SkippedFiles skipped) {

  static final String EXPECTED_LAYOUT =
      "a folder with one sub-folder per class of .jpg, .jpeg, .png, .gif or .bmp images,"
          + " or a .tar.gz, .tgz, .tar or .zip archive of one";

  public Dataset {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(skipped, "skipped");
    classNames = List.copyOf(classNames);
    entries = List.copyOf(entries);
    requireTwoClasses(source, classNames);
    int[] counts = countPerClass(classNames.size(), entries);
    requireNoEmptyClass(source, classNames, counts);
  }

  /**
   * Scans the data set at {@code path}. A folder is listed now and its images read when decoded;
   * an archive is recognised by its content and read once, its images kept in memory.
   */
  public static Dataset open(Path path) {
    if (!Files.exists(path)) {
      throw FineTuneException.badData("data set " + path + " does not exist; expected " + EXPECTED_LAYOUT);
    }
    if (Files.isDirectory(path)) {
      return DirectoryScanner.scan(path);
    }
    if (!Files.isRegularFile(path)) {
      // a pipe or device would block the scan, or never end
      throw FineTuneException.badData(
          "data set " + path + " is neither a folder nor a regular file (a pipe or device?); expected " + EXPECTED_LAYOUT);
    }
    return ArchiveScanner.scan(path);
  }

  /**
   * Opens a further data set (a test set) that must have exactly {@code expectedClasses}, so that
   * its labels mean what the model's outputs mean.
   */
  public static Dataset openWithClasses(Path path, List<String> expectedClasses) {
    Dataset dataset = open(path);
    if (!dataset.classNames.equals(expectedClasses)) {
      throw FineTuneException.badData(
          "data set "
              + dataset.source
              + " has classes "
              + dataset.classNames
              + " but expected the training classes "
              + expectedClasses
              + differences(expectedClasses, dataset.classNames));
    }
    return dataset;
  }

  /**
   * Splits by a hash of each image's path: see {@link Split#byPathHash}. Every class must keep a
   * training image: a class whose few images all fall on the validation side could never be learnt.
   */
  public Split split(double validationFraction) {
    Split split = Split.byPathHash(entries, validationFraction);
    if (!split.train().isEmpty()) {
      int[] training = countPerClass(classNames.size(), split.train());
      int[] all = imagesPerClass();
      for (int label = 0; label < training.length; label++) {
        if (training[label] == 0) {
          throw FineTuneException.badData(
              "class '" + classNames.get(label) + "' in " + source + " has no training images: "
                  + (all[label] == 1 ? "its only image falls" : "all " + all[label] + " of its images fall")
                  + " in the validation split (--val-split " + validationFraction
                  + ", chosen by a hash of each path); add images to it or lower --val-split");
        }
      }
    }
    return split;
  }

  /** Number of images per class, indexed by label. */
  public int[] imagesPerClass() {
    return countPerClass(classNames.size(), entries);
  }

  public int size() {
    return entries.size();
  }

  private static void requireTwoClasses(String source, List<String> classNames) {
    if (classNames.size() < 2) {
      String found =
          classNames.isEmpty() ? "no class folders" : "only one class folder '" + classNames.get(0) + "'";
      throw FineTuneException.badData(
          "data set " + source + " has " + found + "; a classifier needs at least two: expected " + EXPECTED_LAYOUT);
    }
  }

  private static void requireNoEmptyClass(String source, List<String> classNames, int[] counts) {
    List<String> empty = new ArrayList<>();
    for (int label = 0; label < counts.length; label++) {
      if (counts[label] == 0) {
        empty.add("'" + classNames.get(label) + "'");
      }
    }
    if (!empty.isEmpty()) {
      String which =
          empty.size() == 1
              ? "class folder " + empty.get(0) + " in " + source + " holds"
              : "class folders " + String.join(", ", empty) + " in " + source + " hold";
      throw FineTuneException.badData(
          which + " no images; expected .jpg, .jpeg, .png, .gif or .bmp files in every class folder");
    }
  }

  private static int[] countPerClass(int classes, List<ImageEntry> entries) {
    int[] counts = new int[classes];
    for (ImageEntry entry : entries) {
      if (entry.label() >= classes) {
        throw new IllegalArgumentException(entry.location() + " has label " + entry.label() + " of " + classes);
      }
      counts[entry.label()]++;
    }
    return counts;
  }

  private static String differences(List<String> expected, List<String> found) {
    String missing = expected.stream().filter(c -> !found.contains(c)).collect(Collectors.joining(", "));
    String extra = found.stream().filter(c -> !expected.contains(c)).collect(Collectors.joining(", "));
    String text = (missing.isEmpty() ? "" : "; missing: " + missing) + (extra.isEmpty() ? "" : "; unexpected: " + extra);
    return text.isEmpty() ? "; the class folders must be the same" : text;
  }
}
