package org.finetune.data;

import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.finetune.error.FineTuneException;

/**
 * Every class of a training set needs at least one image the model can learn from. A class folder
 * whose images are all unreadable (zero bytes, truncated, not images) would otherwise be skipped
 * image by image and leave a class the classifier never sees and never predicts.
 *
 * <p>Counts, per label, the images still to come and the readable ones among those done, so that a
 * stream can fail as soon as the last image of a class turns out unreadable.
 */
public final class ClassCoverage {

  private final int[] remaining;
  private final int[] unreadable;
  private final int[] readable;
  private final String[] firstProblem;

  /** Starts counting over {@code planned}, the images a training pass will try. */
  public ClassCoverage(List<ImageEntry> planned) {
    int labels = planned.stream().mapToInt(ImageEntry::label).max().orElse(-1) + 1;
    remaining = new int[labels];
    unreadable = new int[labels];
    readable = new int[labels];
    firstProblem = new String[labels];
    planned.forEach(e -> remaining[e.label()]++);
  }

  /** Records that {@code entry} decoded. */
  public void readable(ImageEntry entry) {
    remaining[entry.label()]--;
    readable[entry.label()]++;
  }

  /**
   * Records that {@code entry} could not be used, and fails when it was the last image of its class
   * and none of them was readable.
   *
   * @param reason why, for the message; null when not known
   */
  public void unreadable(ImageEntry entry, String reason) {
    int label = entry.label();
    remaining[label]--;
    unreadable[label]++;
    if (firstProblem[label] == null) {
      firstProblem[label] = entry.location() + (reason == null ? "" : " (" + reason + ")");
    }
    if (remaining[label] == 0 && readable[label] == 0) {
      throw noReadableImages(entry, firstProblem[label]);
    }
  }

  /**
   * Fails when some class of {@code planned} has no image among {@code readable}: the check for a
   * training set whose unreadable images were left out some other way than by a stream.
   */
  public static void require(List<ImageEntry> planned, Collection<ImageEntry> readable) {
    require(planned, readable, entry -> null);
  }

  /** As {@link #require(List, Collection)}, naming why the first unreadable image of a class failed. */
  public static void require(
      List<ImageEntry> planned, Collection<ImageEntry> readable, Function<ImageEntry, String> reasonOf) {
    Set<ImageEntry> usable = Collections.newSetFromMap(new IdentityHashMap<>());
    usable.addAll(readable);
    ClassCoverage coverage = new ClassCoverage(planned);
    for (ImageEntry entry : planned) {
      if (usable.contains(entry)) {
        coverage.readable(entry);
      }
    }
    for (ImageEntry entry : planned) {
      if (!usable.contains(entry)) {
        coverage.unreadable(entry, reasonOf.apply(entry));
      }
    }
  }

  /**
   * The multi-label form of {@link #require(List, Collection, Function)}: fails when a label that
   * images of {@code planned} carry is carried by none of {@code readable}.
   *
   * @param labelNames the label names, by index
   */
  public static void requireEveryLabel(
      List<ImageEntry> planned, Collection<ImageEntry> readable, List<String> labelNames,
      Function<ImageEntry, String> reasonOf) {
    Set<ImageEntry> usable = Collections.newSetFromMap(new IdentityHashMap<>());
    usable.addAll(readable);
    int[] unreadableImages = new int[labelNames.size()];
    boolean[] learnable = new boolean[labelNames.size()];
    ImageEntry[] first = new ImageEntry[labelNames.size()];
    for (ImageEntry entry : planned) {
      for (int label : entry.labelSet()) {
        if (usable.contains(entry)) {
          learnable[label] = true;
        } else {
          unreadableImages[label]++;
          first[label] = first[label] == null ? entry : first[label];
        }
      }
    }
    for (int label = 0; label < labelNames.size(); label++) {
      if (!learnable[label] && first[label] != null) {
        String reason = reasonOf.apply(first[label]);
        int count = unreadableImages[label];
        throw FineTuneException.badData("label '" + labelNames.get(label) + "' has no readable training images: "
            + (count == 1 ? "its only one was" : "all " + count + " were") + " unreadable and skipped, the first "
            + first[label].location() + (reason == null ? "" : " (" + reason + ")")
            + "; fix or remove the broken files, or the label from the label file");
      }
    }
  }

  /** The class folder of an entry: the first part of its path. */
  static String className(ImageEntry entry) {
    String path = entry.path();
    int slash = path.indexOf('/');
    return slash < 0 ? path : path.substring(0, slash);
  }

  private FineTuneException noReadableImages(ImageEntry last, String first) {
    int count = unreadable[last.label()];
    return FineTuneException.badData(
        "class '" + className(last) + "' has no readable training images: "
            + (count == 1 ? "its only one was" : "all " + count + " were")
            + " unreadable and skipped, the first " + first
            + "; fix or remove the broken files, or remove the class folder");
  }
}
