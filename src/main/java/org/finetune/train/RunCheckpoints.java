package org.finetune.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;

/**
 * The checkpoints of one training run, in a directory of their own: after every finished epoch
 * (and when asked to stop) every variable and the {@link TrainingProgress}, so that a run killed
 * at any moment resumes from its last checkpoint.
 *
 * <p>Each checkpoint goes to a fresh {@code ckpt-<step>/} directory; only then does the file
 * {@code latest} (replaced atomically) point at it, and older ones are deleted. A crash while
 * writing leaves the previous checkpoint in force.
 */
public final class RunCheckpoints {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LATEST = "latest";
  private static final String PROGRESS = "progress.json";
  private static final String WEIGHTS = "model";
  /** The callbacks' best-epoch weights ({@link CallbackRunner#PHASE_BEST}, {@link CallbackRunner#RUN_BEST}). */
  static final String BEST_PREFIX = "best-";

  private final Path dir;

  public RunCheckpoints(Path dir) {
    this.dir = dir;
  }

  public Path directory() {
    return dir;
  }

  /** A checkpoint on disk: the variables' prefix and where the run stood. */
  record Saved(Path weights, TrainingProgress progress) {}

  /** Whether an interrupted run left a checkpoint here. */
  public boolean exists() {
    return Files.isRegularFile(dir.resolve(LATEST));
  }

  Optional<Saved> latest() {
    if (!exists()) {
      return Optional.empty();
    }
    try {
      Path checkpoint = dir.resolve(Files.readString(dir.resolve(LATEST), StandardCharsets.UTF_8).trim());
      TrainingProgress progress = JSON.readValue(checkpoint.resolve(PROGRESS).toFile(), TrainingProgress.class);
      return Optional.of(new Saved(checkpoint.resolve(WEIGHTS), progress));
    } catch (IOException e) {
      throw new FineTuneException(
          FineTuneException.Kind.BAD_OPTION, "The checkpoint in " + dir + " cannot be read (" + e.getMessage()
              + "); delete that directory to start over", e);
    }
  }

  void save(TrainingGraph graph, TrainingProgress progress) {
    String name = "ckpt-" + progress.globalStep() + "-" + progress.epoch() + "-" + progress.step();
    Path checkpoint = dir.resolve(name);
    try {
      Files.createDirectories(dir);
      deleteRecursively(checkpoint); // a half-written one from a crash at this very point
      Files.createDirectories(checkpoint);
      graph.save(checkpoint.resolve(WEIGHTS));
      JSON.writeValue(checkpoint.resolve(PROGRESS).toFile(), progress);
      Path pointer = Files.createTempFile(dir, ".latest-", ".tmp");
      Files.writeString(pointer, name + "\n", StandardCharsets.UTF_8);
      Files.move(pointer, dir.resolve(LATEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      deleteOthers(name);
    } catch (IOException | FineTuneException e) {
      // Leave the last complete checkpoint, if any, and nothing half-written.
      deleteRecursively(checkpoint);
      if (!exists()) {
        deleteRecursively(dir);
        deleteIfEmpty(dir.getParent());
      }
      String reason = e instanceof IOException io ? IoErrors.describe(io) : lastClause(e.getMessage());
      throw new FineTuneException(FineTuneException.Kind.EXPORT, "Cannot write a checkpoint to " + dir + ": " + reason
          + " (after " + (progress.atEpochBoundary() ? "epoch " + (progress.epoch() - 1) : "step " + progress.step()
          + " of epoch " + progress.epoch()) + "); nothing was exported", e);
    }
  }

  /** TensorFlow's messages end with the reason after the last "; " (e.g. "No space left on device"). */
  private static String lastClause(String message) {
    String line = message == null ? "" : message.lines().findFirst().orElse("").strip();
    return line.contains("; ") ? line.substring(line.lastIndexOf("; ") + 2) : line;
  }

  private static void deleteIfEmpty(Path dir) {
    try {
      Files.deleteIfExists(dir); // fails, harmlessly, when other runs' checkpoints are there
    } catch (IOException e) {
      // not empty, or not ours to remove
    }
  }

  /** Removes every checkpoint, after the run finished and exported. */
  public void clear() {
    deleteRecursively(dir);
  }

  private void deleteOthers(String keep) throws IOException {
    try (Stream<Path> children = Files.list(dir)) {
      for (Path child : children.toList()) {
        String name = child.getFileName().toString();
        if (!name.equals(keep) && !name.equals(LATEST) && !name.startsWith(BEST_PREFIX)) {
          deleteRecursively(child);
        }
      }
    }
  }

  private static void deleteRecursively(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(path)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover old checkpoint costs disk space only; latest never points at it
    }
  }
}
