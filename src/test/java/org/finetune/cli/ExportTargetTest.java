package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports that cannot be written: each gets one line and exit 5, is refused before training when
 * that can be known, and leaves nothing behind, above all no version directory. Tests run as root,
 * for whom permission bits mean nothing, so what fails here fails for root too: a path under a
 * regular file, a path under /proc, a read-only tmpfs and a full (tiny) tmpfs, both mounted in a
 * private mount namespace of a child JVM.
 */
class ExportTargetTest {

  static final String MODEL = Path.of("models", "mobilenetv2-0.35-mnist04").toString();
  static final String DATA = Path.of("data", "digits-5-9", "train").toString();

  @TempDir Path work;

  private static String[] train(String out, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("train", "--model", MODEL, "--data", DATA, "--out", out,
        "--epochs", "1", "--dense", "8", "--batch-size", "32", "--no-cache"));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  private static void assertRefusedBeforeTraining(int exitCode, String err, String expected) {
    assertEquals(5, exitCode, err);
    assertEquals("error: " + expected, err.lines().filter(l -> l.startsWith("error:")).findFirst().orElse(""), err);
    assertFalse(err.contains("Epoch 1"), "refused before training:\n" + err);
    assertFalse(err.contains("\tat "), "no stack trace:\n" + err);
  }

  @Test
  void anOutputUnderARegularFileIsRefusedBeforeTraining() throws IOException {
    Path file = Files.writeString(work.resolve("notes.txt"), "not a directory");
    CliRun run = CliRun.of(train(file.resolve("serving").toString()));
    assertRefusedBeforeTraining(run.exitCode(), run.err(),
        "Output directory " + file.resolve("serving") + " cannot be created: " + file + " is a file, not a directory");
    assertEquals("not a directory", Files.readString(file));
  }

  @Test
  void anOutputWhereNothingCanBeCreatedIsRefusedBeforeTraining() {
    CliRun run = CliRun.of(train("/proc/finetune-serving"));
    assertRefusedBeforeTraining(run.exitCode(), run.err(), "Output directory is not writable: /proc (nothing can be created in it)");
  }

  @Test
  void aLinkToNothingIsRefusedBeforeTraining() throws IOException {
    Path link = Files.createSymbolicLink(work.resolve("serving"), work.resolve("gone"));
    CliRun run = CliRun.of(train(link.toString()));
    assertRefusedBeforeTraining(run.exitCode(), run.err(), "Output path is a symbolic link to nothing: " + link);
    assertFalse(Files.exists(work.resolve("gone")));
  }

  @Test
  void aReadOnlyDiskIsRefusedBeforeTraining() throws Exception {
    Path mount = Files.createDirectories(work.resolve("ro"));
    ChildJvm.Run run = ChildJvm.inMountNamespace(
        "mount -t tmpfs -o size=1m,ro tmpfs " + mount, "true", work, train(mount.resolve("serving").toString()));
    assertRefusedBeforeTraining(run.exitCode(), run.err(), "Output directory is not writable: " + mount + " (Read-only file system)");
  }

  @Test
  void aDiskThatFillsUpDuringTheExportLeavesNothingBehind() throws Exception {
    // The weights take 1.7 MB. 256 KiB: the first epoch's checkpoint (under OUT/.checkpoints) does
    // not fit; 2 MiB: it does, the export's copy of the weights does not; 4 MiB: both do, the
    // SavedModel does not. The run's checkpoints are removed only once the export is in place.
    for (String size : List.of("256k", "2m", "4m")) {
      Path mount = Files.createDirectories(work.resolve("full-" + size));
      Path listing = work.resolve("left-" + size + ".txt");
      ChildJvm.Run run = ChildJvm.inMountNamespace(
          "mount -t tmpfs -o size=" + size + " tmpfs " + mount,
          "(cd " + mount + " && find . -mindepth 1 | sort > " + listing + ")", work,
          train(mount.resolve("serving").toString()));
      assertEquals(5, run.exitCode(), size + ":\n" + run.err());
      assertTrue(run.err().contains("Epoch 1"), "the disk fills after training:\n" + run.err());
      String expected = size.equals("256k")
          ? "error: Cannot write a checkpoint to " + mount.resolve("serving").resolve(".checkpoints") + "/[0-9a-f]{16}:"
              + " No space left on device \\(after epoch 1\\); nothing was exported"
          : "error: Cannot write the export to " + mount.resolve("serving") + ": No space left on device \\(while "
              + (size.equals("2m") ? "saving the trained weights" : "writing the SavedModel") + "\\); nothing was exported";
      assertTrue(run.errorLines().matches(expected), size + ": " + run.errorLines());
      assertFalse(run.err().contains("\tat "), "no stack trace:\n" + run.err());
      List<String> left = Files.readAllLines(listing);
      assertTrue(left.stream().noneMatch(p -> p.matches("\\./serving/(\\d+|\\.partial.*)(/.*)?")), size + ": no version, whole or partial: " + left);
      if (size.equals("256k")) {
        assertEquals(List.of("./serving"), left, "the failed first checkpoint is removed, and the empty checkpoint folders");
      } else {
        // The trained run's last checkpoint stays, so that --resume can export it once there is space.
        assertTrue(left.stream().anyMatch(p -> p.matches("\\./serving/\\.checkpoints/[0-9a-f]{16}/latest")), size + ": " + left);
      }
    }
  }
}
