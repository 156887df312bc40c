package org.finetune.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportLayoutTest {

  @TempDir Path dir;

  @Test
  void nextVersionIsOneMoreThanTheHighestNumericDirectory() throws Exception {
    assertEquals(1, ExportLayout.nextVersion(dir.resolve("missing")));
    assertEquals(1, ExportLayout.nextVersion(dir));
    Files.createDirectories(dir.resolve("1"));
    Files.createDirectories(dir.resolve("7"));
    Files.createDirectories(dir.resolve(".partial-8-123"));
    Files.createDirectories(dir.resolve("notes"));
    assertEquals(8, ExportLayout.nextVersion(dir));
  }

  @Test
  void anExistingVersionIsRefusedBeforeAnythingRuns() throws Exception {
    Files.createDirectories(dir.resolve("3"));
    FineTuneException e = assertThrows(FineTuneException.class, () -> ExportLayout.checkTarget(dir, OptionalLong.of(3)));
    assertEquals(FineTuneException.Kind.EXPORT, e.kind());
    assertTrue(e.getMessage().startsWith("Export version 3 already exists in " + dir), e.getMessage());
    assertEquals(4, ExportLayout.checkTarget(dir, OptionalLong.empty()));
    assertEquals(9, ExportLayout.checkTarget(dir, OptionalLong.of(9)));
  }

  @Test
  void aFileWhereTheDirectoryShouldBeIsRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("out"), "x");
    FineTuneException e = assertThrows(FineTuneException.class, () -> ExportLayout.checkTarget(file, OptionalLong.empty()));
    assertEquals("Output path exists and is not a directory: " + file, e.getMessage());
  }

  @Test
  void versionsArePositive() {
    assertEquals("--export-version must be a positive integer, got 0",
        assertThrows(FineTuneException.class, () -> ExportLayout.checkTarget(dir, OptionalLong.of(0))).getMessage());
  }
}
