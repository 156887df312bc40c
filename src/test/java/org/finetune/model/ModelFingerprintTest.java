package org.finetune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFingerprintTest {

  @Test
  void dependsOnContentAndRelativePathsOnly(@TempDir Path dir) throws Exception {
    Path a = write(dir.resolve("a"), "weights", "graph");
    Path b = write(dir.resolve("elsewhere/b"), "weights", "graph");
    Path changed = write(dir.resolve("c"), "weightz", "graph");
    assertEquals(ModelFingerprint.sha256(a), ModelFingerprint.sha256(b));
    assertNotEquals(ModelFingerprint.sha256(a), ModelFingerprint.sha256(changed));
    assertEquals(64, ModelFingerprint.sha256(a).length());

    Files.move(a.resolve("variables/variables.data"), a.resolve("variables/renamed.data"));
    assertNotEquals(ModelFingerprint.sha256(b), ModelFingerprint.sha256(a), "a renamed file changes it");
  }

  private static Path write(Path dir, String weights, String graph) throws Exception {
    Files.createDirectories(dir.resolve("variables"));
    Files.writeString(dir.resolve("saved_model.pb"), graph);
    Files.writeString(dir.resolve("variables/variables.data"), weights);
    return dir;
  }
}
