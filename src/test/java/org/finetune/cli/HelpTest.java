package org.finetune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --help} on each command lists every option, with its default where it has one. */
class HelpTest {

  @Test
  void trainListsEveryOptionWithItsDefault() {
    CliRun run = CliRun.of("train", "--help");
    assertEquals(0, run.exitCode());
    for (String option : List.of("--model", "--data", "--out", "--preprocess", "--test-data", "--export-version", "--strict")) {
      assertTrue(run.out().contains(option), option + " missing:\n" + run.out());
    }
    for (String withDefault : List.of("--epochs=N", "Epochs (default: 10)", "--batch-size=N", "(default: 64)",
        "--learning-rate=RATE", "(default: 1e-4)", "--dense=UNITS", "(default: 1024)", "--dropout=RATE", "(default: 0.5)",
        "--pooling=POOLING", "(default: flatten)", "--val-split=FRACTION", "(default: 0.2)", "--seed=SEED", "(default: 42)")) {
      assertTrue(run.out().replaceAll("\\s+", " ").contains(withDefault), withDefault + " missing:\n" + run.out());
    }
  }

  @Test
  void everyCommandHasHelp() {
    for (String command : List.of("inspect", "train", "predict", "evaluate", "demo")) {
      CliRun run = CliRun.of(command, "--help");
      assertEquals(0, run.exitCode(), command);
      assertTrue(run.out().startsWith("Usage: finetune " + command), run.out());
    }
    assertTrue(CliRun.of("predict", "--help").out().contains("--top-k=K"));
    assertTrue(CliRun.of("evaluate", "--help").out().replaceAll("\\s+", " ").contains("(default: 5)"));
    assertTrue(CliRun.of("demo", "--help").out().replaceAll("\\s+", " ").contains("(default: runs/demo)"));
  }

  @Test
  void anUnknownCommandOrOptionExitsWithTwo() {
    CliRun unknown = CliRun.of("fly");
    assertEquals(2, unknown.exitCode());
    assertTrue(unknown.errorLines().startsWith("error: Unmatched argument at index 0: 'fly'"), unknown.err());
    CliRun option = CliRun.of("inspect", "--model", "x", "--colour");
    assertEquals(2, option.exitCode());
    assertTrue(option.errorLines().startsWith("error: Unknown option: '--colour'"), option.err());
  }
}
