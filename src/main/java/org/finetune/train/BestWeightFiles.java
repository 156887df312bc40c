package org.finetune.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;

/**
 * Keeps the callbacks' best-epoch weights as checkpoint files: beside the run's checkpoints, so
 * that an interrupted run still has them, or, for a run without checkpoints, in a temporary
 * directory made on the first save and removed on close.
 */
final class BestWeightFiles implements CallbackRunner.WeightSlots, AutoCloseable {

  private final TrainingGraph graph;
  private final RunCheckpoints checkpoints;
  private Path temporary;

  BestWeightFiles(TrainingGraph graph, RunCheckpoints checkpoints) {
    this.graph = graph;
    this.checkpoints = checkpoints;
  }

  /** Writes the slot beside the old one, then swaps them, so a crash leaves one whole copy. */
  @Override
  public void save(String slot) {
    Path dir = directory().resolve(slot);
    Path fresh = dir.resolveSibling(slot + ".new");
    try {
      deleteRecursively(fresh);
      Files.createDirectories(fresh);
      graph.save(fresh.resolve("model"));
      deleteRecursively(dir);
      Files.move(fresh, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new FineTuneException(FineTuneException.Kind.EXPORT,
          "Cannot keep the best epoch's weights in " + dir + ": " + IoErrors.describe(e), e);
    }
  }

  @Override
  public void restore(String slot) {
    graph.restore(directory().resolve(slot).resolve("model"));
  }

  private Path directory() {
    if (checkpoints != null) {
      return checkpoints.directory();
    }
    if (temporary == null) {
      try {
        temporary = Files.createTempDirectory("finetune-best-");
      } catch (IOException e) {
        throw new FineTuneException(FineTuneException.Kind.EXPORT,
            "Cannot create a temporary directory for the best epoch's weights: " + IoErrors.describe(e), e);
      }
    }
    return temporary;
  }

  @Override
  public void close() {
    if (temporary != null) {
      try {
        deleteRecursively(temporary);
      } catch (IOException e) {
        // a leftover temporary directory costs disk space only
      }
    }
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(path)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
