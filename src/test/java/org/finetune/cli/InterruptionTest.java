package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.finetune.testing.Python;
import org.junit.jupiter.api.Test;

/**
 * Real signals to the real command line, sent by {@code scripts/interruption_check.py}: SIGKILL
 * and SIGINT during training (then {@code --resume} ends as an uninterrupted run does), SIGKILL
 * at moments spread over an export (no incomplete version ever visible).
 */
class InterruptionTest {

  @Test
  void killedAndInterruptedRunsLoseNothing() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Python.Run run = Python.script("interruption_check.py",
        List.of("--classpath", System.getProperty("java.class.path"), "--java", java, "--export-trials", "8"));
    assertEquals(0, run.exitCode(), run.output());
  }
}
