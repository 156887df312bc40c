package org.finetune.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Arranges what a scan found into Keras' layout: one folder per class below a root, classes in
 * Python's sorted order, every image labelled with its class index.
 */
final class DatasetLayout {

  private DatasetLayout() {}

  static Dataset arrange(ScanTally tally) {
    List<String> root = wrapperFolder(tally);
    int depth = root.size();
    List<String> classNames = classNames(tally, root);
    Map<String, Integer> labels = new HashMap<>();
    classNames.forEach(name -> labels.put(name, labels.size()));
    List<ImageEntry> entries = new ArrayList<>();
    int outside = 0;
    for (ScanTally.FoundImage image : tally.images()) {
      List<String> segments = image.segments();
      if (segments.size() <= depth + 1) {
        outside++; // next to the class folders, not in one: Keras ignores these too
        continue;
      }
      List<String> below = segments.subList(depth, segments.size());
      entries.add(
          new ImageEntry(EntryNames.join(below), labels.get(below.get(0)), image.location(), image.content()));
    }
    entries.sort(
        Comparator.comparingInt(ImageEntry::label).thenComparing(ImageEntry::path, EntryNames.PYTHON_ORDER));
    return new Dataset(tally.locate(root), classNames, entries, tally.skipped().plusOutsideClasses(outside));
  }

  /**
   * A single folder holding the class folders and nothing else visible (an archive
   * {@code flowers.tgz} of {@code flowers/daisy/*.jpg}) is a wrapper, not a class. Only one level
   * is unwrapped, so a lone class folder with sub-folders is still reported as one class.
   */
  private static List<String> wrapperFolder(ScanTally tally) {
    List<String> top = tally.folders().stream().filter(f -> !f.contains("/")).toList();
    boolean imagesAtTop = tally.images().stream().anyMatch(i -> i.segments().size() == 1);
    boolean hasSubFolders = tally.folders().stream().anyMatch(f -> f.contains("/"));
    if (top.size() == 1 && !imagesAtTop && hasSubFolders) {
      return List.of(top.get(0));
    }
    return List.of();
  }

  private static List<String> classNames(ScanTally tally, List<String> root) {
    String prefix = root.isEmpty() ? "" : EntryNames.join(root) + "/";
    TreeSet<String> names = new TreeSet<>(EntryNames.PYTHON_ORDER);
    for (String folder : tally.folders()) {
      String below = folder.startsWith(prefix) ? folder.substring(prefix.length()) : null;
      if (below != null && !below.isEmpty() && !below.contains("/")) {
        names.add(below);
      }
    }
    return List.copyOf(names);
  }
}
