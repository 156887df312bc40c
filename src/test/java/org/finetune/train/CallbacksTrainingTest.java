package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.TrainedModel;
import org.finetune.error.FineTuneException;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.model.StoredTensor;
import org.junit.jupiter.api.Test;

/**
 * The callbacks on a real run: the weights they put back are exactly those of the epoch they
 * name (a run stopped at that epoch gives them bit for bit), and a monitor that cannot be
 * measured is refused before training.
 */
class CallbacksTrainingTest {

  private static FineTuneRequest request(int epochs, Callbacks callbacks, double validationSplit) {
    return FineTuneRequest.builder()
        .model(Path.of("models", "mobilenetv2-0.35-mnist04"))
        .data(Path.of("data", "digits-5-9", "train"))
        .head(new HeadConfig(Pooling.FLATTEN, 64, 0.5))
        .training(TrainingConfig.builder().epochs(epochs).batchSize(32).learningRate(3e-3)
            .validationSplit(validationSplit).callbacks(callbacks).build())
        .useCache(false)
        .build();
  }

  private record Run(Map<String, StoredTensor> weights, List<EpochMetrics> history, List<String> notes) {}

  private static Run train(FineTuneRequest request) {
    List<String> notes = new ArrayList<>();
    TrainingListener listener = new TrainingListener() {
      @Override
      public void note(String message) {
        notes.add(message);
      }
    };
    try (TrainedModel model = FineTuner.train(request, listener)) {
      return new Run(model.trainer().readWeights(model.trainer().trainedVariables()), model.history().epochs(), notes);
    }
  }

  private static void assertSameWeights(Run expected, Run actual, String what) {
    for (String v : expected.weights().keySet()) {
      assertTrue(expected.weights().get(v).sameAs(actual.weights().get(v)), v + ": " + what);
    }
  }

  @Test
  void saveBestExportsTheBestEpochsWeights() {
    Run run = train(request(6, Callbacks.NONE.withMonitor(Monitor.VAL_ACCURACY).withSaveBest(true), 0.2));
    int best = 1;
    for (EpochMetrics m : run.history()) {
      if (m.valAccuracy() > run.history().get(best - 1).valAccuracy()) { // a tie is no improvement
        best = m.epoch();
      }
    }
    assertTrue(best < 6, "with this rate validation accuracy falls again before the end; best epoch " + best);
    assertTrue(run.notes().contains(String.format(java.util.Locale.ROOT, "the export holds epoch %d's weights, the best"
        + " val_accuracy (%.4f)", best, run.history().get(best - 1).valAccuracy())), run.notes().toString());
    assertSameWeights(train(request(best, Callbacks.NONE, 0.2)), run, "not the weights of epoch " + best);
  }

  @Test
  void earlyStoppingEndsThePhaseAndRestoresItsBestEpoch() {
    // No epoch after the first improves val_accuracy by 100: stop after epoch 2, put back epoch 1.
    Run run = train(request(5, Callbacks.NONE.withMonitor(Monitor.VAL_ACCURACY)
        .withEarlyStopping(new EarlyStopping(1, 100, true)), 0.2));
    assertEquals(List.of(1, 2), run.history().stream().map(EpochMetrics::epoch).toList());
    assertTrue(run.notes().stream().anyMatch(n -> n.startsWith("early stopping after epoch 2: val_accuracy has not"
        + " improved for 1 epochs")), run.notes().toString());
    assertSameWeights(train(request(1, Callbacks.NONE, 0.2)), run, "not the weights of epoch 1");
  }

  @Test
  void aValidationMonitorWithoutValidationImagesIsRefused() {
    FineTuneException e = assertThrows(FineTuneException.class,
        () -> train(request(2, Callbacks.NONE.withEarlyStopping(new EarlyStopping(2, 0, false)), 0)));
    assertEquals(FineTuneException.Kind.BAD_OPTION, e.kind());
    assertEquals("--monitor val_loss needs validation images, but there are none (--val-split 0, or too few images);"
        + " use --monitor loss or a validation split", e.getMessage());
  }
}
