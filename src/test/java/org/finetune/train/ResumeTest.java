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
    return FineTuneRequest.builder()
        .model(Path.of("models", "mobilenetv2-0.35-mnist04"))
        .data(Path.of("data", "digits-5-9", "train"))
        .head(new HeadConfig(Pooling.FLATTEN, 64, 0.5))
        .training(TrainingConfig.builder().epochs(3).batchSize(32).build())
        .strategy(strategy.equals("unfreeze") ? StrategyConfig.unfreezeTop(2).withFineTune(2, null, false) : StrategyConfig.FREEZE)
        .useCache(cache)
        .cacheDirectory(work.resolve("cache"))
        .checkpointDirectory(checkpoints);
  }

  @ParameterizedTest(name = "{0}, cache {1}, stop after step {2}")
  @CsvSource({"freeze, false, 8", "freeze, true, 6", "unfreeze, false, 23"})
  void resumedRunEndsAsTheUninterruptedOne(String strategy, boolean cache, int stopAfter) {
    Run uninterrupted = train(request(strategy, cache, work.resolve("a")).build(), Integer.MAX_VALUE);

    Path checkpoints = work.resolve("b");
    FineTuneException stopped = assertThrows(FineTuneException.class,
        () -> train(request(strategy, cache, checkpoints).build(), stopAfter));
    assertEquals(FineTuneException.Kind.INTERRUPTED, stopped.kind());
    assertTrue(stopped.getMessage().contains("run the same command with --resume to continue"), stopped.getMessage());

    Run resumed = train(request(strategy, cache, checkpoints).resume(true).build(), Integer.MAX_VALUE);
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
    int[] steps = {0};
    TrainingListener listener = new TrainingListener() {
      @Override
      public void stepFinished(int step, long images, double loss, double accuracy) {
        steps[0]++;
      }

      @Override
      public boolean stopRequested() {
        return steps[0] >= stopAfter;
      }
    };
    try (TrainedModel model = FineTuner.train(request, listener)) {
      return new Run(model.trainer().readWeights(model.trainer().trainedVariables()),
          model.history().epochs().stream().map(ResumeTest::withoutTime).toList());
    }
  }

  /** Time differs between runs; everything else must not. */
  private static EpochMetrics withoutTime(EpochMetrics m) {
    return new EpochMetrics(m.phase(), m.epoch(), m.loss(), m.accuracy(), m.valLoss(), m.valAccuracy(), 0, 0);
  }
}
