package org.finetune.data;

/**
 * What a scan passed over without failing, so that a summary can say so.
 *
 * @param hidden hidden files and folders (name starting with '.') and macOS {@code __MACOSX}
 *     folders; on disk a skipped folder counts once, in an archive every entry counts
 * @param notImages files whose extension is not jpg, jpeg, png, gif or bmp
 * @param outsideClasses images lying next to the class folders instead of inside one
 * @param unsafe archive entries named with {@code ..} or an absolute path, links in archives,
 *     and folder link loops on disk
 */
public record SkippedFiles(int hidden, int notImages, int outsideClasses, int unsafe) {

  public SkippedFiles {
    if (hidden < 0 || notImages < 0 || outsideClasses < 0 || unsafe < 0) {
      throw new IllegalArgumentException("skip counts must not be negative");
    }
  }

  public int total() {
    return hidden + notImages + outsideClasses + unsafe;
  }

  SkippedFiles plusOutsideClasses(int count) {
    return new SkippedFiles(hidden, notImages, outsideClasses + count, unsafe);
  }

  @Override
  public String toString() {
    return hidden
        + " hidden, "
        + notImages
        + " not images, "
        + outsideClasses
        + " outside class folders, "
        + unsafe
        + " unsafe";
  }
}
