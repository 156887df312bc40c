package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;

class TrainingConfigTest {

  @Test
  void defaultsFollowTheReferenceTutorial() {
    TrainingConfig c = TrainingConfig.builder().build();
    assertEquals(10, c.epochs());
    assertEquals(64, c.batchSize());
    assertEquals(1e-4, c.learningRate());
    assertEquals(0.2, c.validationSplit());
  }

  @Test
  void rejectsNonPositiveValuesNamingTheOption() {
    assertEquals("--epochs must be a positive integer, got 0", message(() -> TrainingConfig.builder().epochs(0).build()));
    assertEquals("--batch-size must be a positive integer, got -3", message(() -> TrainingConfig.builder().batchSize(-3).build()));
    assertEquals("--learning-rate must be a positive number, got 0.0", message(() -> TrainingConfig.builder().learningRate(0).build()));
    assertEquals("--learning-rate must be a positive number, got NaN", message(() -> TrainingConfig.builder().learningRate(Double.NaN).build()));
    assertEquals("--val-split must be in [0, 1), got 1.0", message(() -> TrainingConfig.builder().validationSplit(1).build()));
  }

  @Test
  void toBuilderKeepsEveryValue() {
    TrainingConfig c = TrainingConfig.builder().epochs(3).batchSize(8).learningRate(0.5).validationSplit(0).seed(9).threads(2).build();
    assertEquals(c, c.toBuilder().build());
  }

  private static String message(Runnable r) {
    FineTuneException e = assertThrows(FineTuneException.class, r::run);
    assertEquals(FineTuneException.Kind.BAD_OPTION, e.kind());
    return e.getMessage();
  }
}
