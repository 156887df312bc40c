package org.finetune.data;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.finetune.error.FineTuneException;

/**
 * Lists a data set folder. Links are followed (they are the user's own choice on their own disk;
 * Keras follows linked class folders too); a link loop is skipped. No image is read here.
 */
final class DirectoryScanner extends SimpleFileVisitor<Path> {

  private final Path root;
  private final ScanTally tally;

  private DirectoryScanner(Path root) {
    this.root = root;
    this.tally = new ScanTally(segments -> resolve(root, segments).toString());
  }

  static Dataset scan(Path root) {
    DirectoryScanner scanner = new DirectoryScanner(root);
    try {
      Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, scanner);
    } catch (IOException e) {
      throw new FineTuneException(
          FineTuneException.Kind.BAD_DATA, "cannot list data set folder " + root + ": " + e.getMessage(), e);
    }
    return DatasetLayout.arrange(scanner.tally);
  }

  @Override
  public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
    if (dir.equals(root)) {
      return FileVisitResult.CONTINUE;
    }
    if (EntryNames.isHidden(dir.getFileName().toString())) {
      tally.countHidden();
      return FileVisitResult.SKIP_SUBTREE;
    }
    tally.addFolder(segments(dir));
    return FileVisitResult.CONTINUE;
  }

  @Override
  public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
    List<String> segments = segments(file);
    if (!attrs.isRegularFile()) {
      tally.countUnsafe(); // a pipe or device named like an image would block or never end
    } else if (tally.wantsFile(segments)) {
      tally.addImage(segments, new ImageContent.OnDisk(file));
    }
    return FileVisitResult.CONTINUE;
  }

  @Override
  public FileVisitResult visitFileFailed(Path file, IOException e) {
    if (e instanceof FileSystemLoopException) {
      tally.countUnsafe();
      return FileVisitResult.CONTINUE;
    }
    String why = e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
    throw new FineTuneException(
        FineTuneException.Kind.BAD_DATA, "cannot read " + file + " in data set " + root + ": " + why, e);
  }

  private List<String> segments(Path path) {
    List<String> segments = new ArrayList<>();
    root.relativize(path).forEach(part -> segments.add(part.toString()));
    return segments;
  }

  private static Path resolve(Path root, List<String> segments) {
    Path path = root;
    for (String segment : segments) {
      path = path.resolve(segment);
    }
    return path;
  }
}
