package org.finetune.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;

/**
 * TF Serving's directory layout: {@code <root>/<version>/} with integer versions, of which the
 * server serves the highest. New exports take the next free integer; an existing version is never
 * touched. Work in progress lives in a hidden, non-numeric sibling that TF Serving ignores.
 */
public final class ExportLayout {

  private ExportLayout() {}

  /**
   * Checks, before any training starts, that an export can go to {@code root}: it is a directory or
   * can be created, and the requested version (if any) does not exist yet.
   *
   * @return the version the export will get, if nothing else writes there meanwhile
   */
  public static long checkTarget(Path root, OptionalLong requestedVersion) {
    if (Files.exists(root) && !Files.isDirectory(root)) {
      throw new FineTuneException(
          FineTuneException.Kind.EXPORT, "Output path exists and is not a directory: " + root);
    }
    if (!Files.exists(root) && Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      throw new FineTuneException(
          FineTuneException.Kind.EXPORT, "Output path is a symbolic link to nothing: " + root);
    }
    Path existing = nearestExisting(root);
    if (!Files.isDirectory(existing)) {
      throw new FineTuneException(
          FineTuneException.Kind.EXPORT,
          "Output directory " + root + " cannot be created: " + existing + " is a file, not a directory");
    }
    requireWritable(existing);
    if (requestedVersion.isPresent()) {
      long v = requestedVersion.getAsLong();
      if (v < 1) {
        throw FineTuneException.badOption("--export-version must be a positive integer, got " + v);
      }
      if (Files.exists(root.resolve(Long.toString(v)))) {
        throw new FineTuneException(
            FineTuneException.Kind.EXPORT,
            "Export version " + v + " already exists in " + root + "; versions are never overwritten (omit"
                + " --export-version to use the next free one, " + nextVersion(root) + ")");
      }
      return v;
    }
    return nextVersion(root);
  }

  /** One more than the highest numeric sub-directory of {@code root}, or 1. */
  public static long nextVersion(Path root) {
    if (!Files.isDirectory(root)) {
      return 1;
    }
    try (Stream<Path> children = Files.list(root)) {
      return children
              .map(p -> p.getFileName().toString())
              .filter(n -> n.matches("\\d{1,18}"))
              .mapToLong(Long::parseLong)
              .max()
              .orElse(0)
          + 1;
    } catch (IOException e) {
      throw new FineTuneException(FineTuneException.Kind.EXPORT, "Cannot list " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Makes and removes a hidden directory in {@code dir}: the permission bits that {@link
   * Files#isWritable} reads say nothing for root, nor for /proc, and only an attempt is sure.
   * TF Serving ignores the probe should it ever see it (hidden, not a number).
   */
  private static void requireWritable(Path dir) {
    try {
      Files.delete(Files.createTempDirectory(dir, ".finetune-write-check-"));
    } catch (IOException e) {
      // /proc answers mkdir with "no such file": the directory exists, nothing can be made in it
      String why = e instanceof NoSuchFileException ? "nothing can be created in it" : IoErrors.describe(e);
      throw new FineTuneException(FineTuneException.Kind.EXPORT, "Output directory is not writable: " + dir + " (" + why + ")", e);
    }
  }

  private static Path nearestExisting(Path path) {
    Path p = path.toAbsolutePath();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p == null ? Path.of(".").toAbsolutePath() : p;
  }

  /**
   * The version directory an export path names: the path itself when it holds {@code
   * saved_model.pb}, else its highest numbered version.
   */
  public static Path versionDirectory(Path export) {
    if (!Files.isDirectory(export)) {
      throw FineTuneException.badModel("Export directory not found: " + export);
    }
    if (Files.exists(export.resolve("saved_model.pb"))) {
      return export;
    }
    long next = nextVersion(export);
    if (next == 1) {
      throw FineTuneException.badModel(
          "Not an export: " + export + " holds neither saved_model.pb nor numbered version directories");
    }
    return export.resolve(Long.toString(next - 1));
  }
}
