package org.finetune.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The naming rules shared by folder and archive scans. */
final class EntryNames {

  /** The extensions Keras' {@code image_dataset_from_directory} picks up, compared lower-cased. */
  static final List<String> IMAGE_EXTENSIONS = List.of(".bmp", ".gif", ".jpeg", ".jpg", ".png");

  /**
   * Python's {@code sorted()} order for str: by code point. {@link String#compareTo} compares UTF-16
   * units, which differs for characters beyond U+FFFF; class indices must match Keras' exactly.
   */
  static final Comparator<String> PYTHON_ORDER =
      (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
          int ca = a.codePointAt(i);
          int cb = b.codePointAt(j);
          if (ca != cb) {
            return Integer.compare(ca, cb);
          }
          i += Character.charCount(ca);
          j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
      };

  private EntryNames() {}

  /**
   * The '/'-separated parts of an archive entry name, without empty and "." parts; empty when the
   * name is absolute or climbs out with "..", which an archive must never be trusted with.
   */
  static Optional<List<String>> safeSegments(String rawName) {
    String name = rawName.replace('\\', '/');
    if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
      return Optional.empty();
    }
    List<String> segments = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        return Optional.empty();
      }
      if (!part.isEmpty() && !part.equals(".")) {
        segments.add(part);
      }
    }
    return Optional.of(segments);
  }

  /** Hidden (".DS_Store", "._x.jpg", ".git") or macOS archive metadata ("__MACOSX"). */
  static boolean isHidden(String segment) {
    return segment.startsWith(".") || segment.equals("__MACOSX");
  }

  static boolean isHidden(List<String> segments) {
    return segments.stream().anyMatch(EntryNames::isHidden);
  }

  static boolean isImage(String fileName) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    return IMAGE_EXTENSIONS.stream().anyMatch(lower::endsWith);
  }

  static String join(List<String> segments) {
    return String.join("/", segments);
  }
}
