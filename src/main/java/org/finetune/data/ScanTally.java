package org.finetune.data;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * What a folder or archive scan found, before it is arranged into classes: the visible folders,
 * the image files, and counts of what was skipped. Paths are '/'-joined segments below the root.
 */
final class ScanTally {

  /** An image found by a scan, not yet assigned to a class. */
  record FoundImage(List<String> segments, String location, ImageContent content) {
    FoundImage {
      segments = List.copyOf(segments);
    }
  }

  private final Function<List<String>, String> locator;
  private final List<FoundImage> images = new ArrayList<>();
  private final Set<String> folders = new LinkedHashSet<>();
  private int hidden;
  private int notImages;
  private int unsafe;

  /** {@code locator} turns segments below the root into a location for messages. */
  ScanTally(Function<List<String>, String> locator) {
    this.locator = locator;
  }

  /** Where the file or folder at {@code segments} is, for messages; the root for no segments. */
  String locate(List<String> segments) {
    return locator.apply(segments);
  }

  /**
   * Whether a file at {@code segments} is an image to keep; when not, counts it as hidden or not
   * an image. Scans call it before reading any bytes.
   */
  boolean wantsFile(List<String> segments) {
    if (EntryNames.isHidden(segments)) {
      hidden++;
      return false;
    }
    if (!EntryNames.isImage(segments.get(segments.size() - 1))) {
      notImages++;
      return false;
    }
    return true;
  }

  void addImage(List<String> segments, ImageContent content) {
    images.add(new FoundImage(segments, locate(segments), content));
    addFolder(segments.subList(0, segments.size() - 1));
  }

  /** Registers a visible folder and its parents, so that an empty class folder is still seen. */
  void addFolder(List<String> segments) {
    for (int n = 1; n <= segments.size(); n++) {
      folders.add(EntryNames.join(segments.subList(0, n)));
    }
  }

  void countHidden() {
    hidden++;
  }

  void countUnsafe() {
    unsafe++;
  }

  List<FoundImage> images() {
    return images;
  }

  Set<String> folders() {
    return folders;
  }

  SkippedFiles skipped() {
    return new SkippedFiles(hidden, notImages, 0, unsafe);
  }
}
