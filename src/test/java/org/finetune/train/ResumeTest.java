package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.TrainedModel;
import org.finetune.error.FineTuneException;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.model.StoredTensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A run stopped mid-epoch (or mid-phase-2) and resumed from its checkpoint ends with the weights,
 * bit for bit, and the history an uninterrupted run with the same seed ends with.
 */
class ResumeTest {

  @TempDir Path work;

  /** 165 training images in batches of 32: 6 steps an epoch. */
  private FineTuneRequest.Builder request(String strategy, boolean cache, Path checkpoints) {
    return request(strategy, cache, checkpoints, "none");
  }

  /**
   * Callbacks whose state must survive the interruption: "stopping" ends each phase after its
   * second epoch (no later epoch improves by 100) and puts back the first's weights, with a
   * cosine schedule and the best epoch saved; "plateau" halves the rate after every epoch
   * without a better validation accuracy, with balanced class weights.
   */
  private static Callbacks callbacks(String kind) {
    return switch (kind) {
      case "stopping" -> Callbacks.NONE.withEarlyStopping(new EarlyStopping(1, 100, true))
          .withSchedule(new LearningRateSchedule.Cosine(0.1)).withSaveBest(true).withMonitor(Monitor.VAL_ACCURACY);
      case "plateau" -> Callbacks.NONE.withMonitor(Monitor.VAL_ACCURACY)
          .withSchedule(new LearningRateSchedule.Plateau(0.5, 1, 0)).withClassWeights(new ClassWeights.Balanced());
      default -> Callbacks.NONE;
    };
  }

  private FineTuneRequest.Builder request(String strategy, boolean cache, Path checkpoints, String callbacks) {
    return FineTuneRequest.builder()
        .model(Path.of("models", "mobilenetv2-0.35-mnist04"))
        .data(Path.of("data", "digits-5-9", "train"))
        .head(new HeadConfig(Pooling.FLATTEN, 64, 0.5))
        .training(TrainingConfig.builder().epochs(3).batchSize(32).callbacks(callbacks(callbacks)).build())
        .strategy(strategy.equals("unfreeze") ? StrategyConfig.unfreezeTop(2).withFineTune(2, null, false) : StrategyConfig.FREEZE)
        .useCache(cache)
        .cacheDirectory(work.resolve("cache"))
        .checkpointDirectory(checkpoints);
  }

  @ParameterizedTest(name = "{0}, cache {1}, stop after step {2}, callbacks {3}")
  @CsvSource({"freeze, false, 8, none", "freeze, true, 6, none", "unfreeze, false, 23, none",
      "freeze, true, 8, plateau", "unfreeze, false, 15, stopping", "unfreeze, false, 9, stopping"})
  void resumedRunEndsAsTheUninterruptedOne(String strategy, boolean cache, int stopAfter, String callbacks) {
    Run uninterrupted = train(request(strategy, cache, work.resolve("a"), callbacks).build(), Integer.MAX_VALUE);
    Run again = train(request(strategy, cache, work.resolve("a2"), callbacks).build(), Integer.MAX_VALUE);
    assertEquals(uninterrupted.history(), again.history(), "same seed, same data: same history");
    for (String v : uninterrupted.weights().keySet()) {
      assertTrue(uninterrupted.weights().get(v).sameAs(again.weights().get(v)), v + " differs between two identical runs");
    }
    if (callbacks.equals("stopping")) {
      assertEquals(List.of(1, 2, 4, 5), uninterrupted.history().stream().map(EpochMetrics::epoch).toList(),
          "each phase stopped after its second epoch");
    }

    Path checkpoints = work.resolve("b");
    FineTuneException stopped = assertThrows(FineTuneException.class,
        () -> train(request(strategy, cache, checkpoints, callbacks).build(), stopAfter));
    assertEquals(FineTuneException.Kind.INTERRUPTED, stopped.kind());
    assertTrue(stopped.getMessage().contains("run the same command with --resume to continue"), stopped.getMessage());

    Run resumed = train(request(strategy, cache, checkpoints, callbacks).resume(true).build(), Integer.MAX_VALUE);
    assertEquals(uninterrupted.history(), resumed.history().stream().map(ResumeTest::withoutTime).toList());
    for (String v : uninterrupted.weights().keySet()) {
      assertTrue(uninterrupted.weights().get(v).sameAs(resumed.weights().get(v)), v + " differs after resuming");
    }
  }

  @ParameterizedTest(name = "resume without a checkpoint")
  @CsvSource({"freeze"})
  void resumeWithoutACheckpointSaysSo(String strategy) {
    FineTuneException e = assertThrows(FineTuneException.class,
        () -> train(request(strategy, false, work.resolve("none")).resume(true).build(), Integer.MAX_VALUE));
    assertEquals(FineTuneException.Kind.BAD_OPTION, e.kind());
    assertTrue(e.getMessage().startsWith("Nothing to resume: no interrupted run of this configuration in "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  private record Run(Map<String, StoredTensor> weights, List<EpochMetrics> history) {}

  /** Trains, asking to stop once {@code stopAfter} steps have run. */
  private static Run train(FineTuneRequest request, int stopAfter) {
    try (TrainedModel model = FineTuner.train(request, new StopAfterSteps(stopAfter))) {
      return new Run(model.trainer().readWeights(model.trainer().trainedVariables()),
          model.history().epochs().stream().map(ResumeTest::withoutTime).toList());
    }
  }

  /** Time differs between runs; everything else must not. */
  private static EpochMetrics withoutTime(EpochMetrics m) {
    return new EpochMetrics(m.phase(), m.epoch(), m.loss(), m.accuracy(), m.valLoss(), m.valAccuracy(), 0, 0);
  }
}
