package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.finetune.testing.Python;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The callbacks decide what Keras' own decide: the same sequence of per-epoch figures through
 * {@link CallbackRunner} and through Keras 3's ModelCheckpoint(save_best_only), ReduceLROnPlateau
 * and EarlyStopping ({@code scripts/keras_callbacks_reference.py}) gives the same epoch to stop
 * at, the same weights restored, the same learning rates and the same epochs saved.
 */
class CallbackRunnerTest {

  private static final double RATE = 0.01;

  record Case(String name, Monitor monitor, double[] values, EarlyStopping stopping, LearningRateSchedule.Plateau plateau,
      boolean saveBest) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("val_loss: stop, restore, plateau, save best", Monitor.VAL_LOSS, new double[] {1.0, 0.9, 0.95, 0.96, 0.97, 0.5},
            new EarlyStopping(3, 0, true), new LearningRateSchedule.Plateau(0.5, 2, 0.001), true),
        new Case("val_accuracy with min_delta, no restore", Monitor.VAL_ACCURACY, new double[] {0.5, 0.52, 0.6, 0.63, 0.64, 0.66, 0.9},
            new EarlyStopping(2, 0.05, false), new LearningRateSchedule.Plateau(0.2, 1, 0), true),
        new Case("flat loss: plateau down to its floor", Monitor.LOSS, new double[] {1, 1, 1, 1, 1, 1, 1},
            null, new LearningRateSchedule.Plateau(0.1, 1, 1e-4), false),
        new Case("ties are no improvement", Monitor.LOSS, new double[] {0.5, 0.5, 0.4, 0.4, 0.41, 0.3},
            new EarlyStopping(2, 0, true), null, true),
        new Case("NaN epochs", Monitor.ACCURACY, new double[] {0.3, Double.NaN, 0.4, Double.NaN, Double.NaN, Double.NaN},
            new EarlyStopping(2, 0, true), new LearningRateSchedule.Plateau(0.5, 1, 0), true),
        new Case("NaN first", Monitor.VAL_LOSS, new double[] {Double.NaN, 0.5, 0.4, 0.3},
            new EarlyStopping(2, 0, true), null, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decidesAsKerasDoes(Case c, @TempDir Path dir) throws Exception {
    JsonNode keras = keras(c, dir);

    Callbacks callbacks = Callbacks.NONE.withMonitor(c.monitor()).withEarlyStopping(c.stopping()).withSaveBest(c.saveBest())
        .withSchedule(c.plateau() == null ? new LearningRateSchedule.Constant() : c.plateau());
    int[] weight = {0}; // the model's "weights": the epoch they are from
    Map<String, Integer> slots = new HashMap<>();
    List<Integer> saved = new ArrayList<>();
    CallbackRunner runner = new CallbackRunner(callbacks, CallbackState.start(), new CallbackRunner.WeightSlots() {
      @Override
      public void save(String slot) {
        slots.put(slot, weight[0]);
        if (slot.equals(CallbackRunner.RUN_BEST)) {
          saved.add(weight[0]);
        }
      }

      @Override
      public void restore(String slot) {
        weight[0] = slots.get(slot);
      }
    }, TrainingListener.NONE);
    runner.phaseStarted(0);
    List<Double> rates = new ArrayList<>();
    Integer stoppedAfter = null;
    for (int epoch = 1; epoch <= c.values().length; epoch++) {
      weight[0] = epoch;
      boolean stop = runner.epochFinished(metrics(c.monitor(), epoch, c.values()[epoch - 1]), RATE);
      rates.add(runner.learningRate(RATE, 0, 1));
      if (stop) {
        stoppedAfter = epoch;
        break;
      }
    }
    runner.phaseFinished();

    assertEquals(keras.get("stopped_after").isNull() ? null : keras.get("stopped_after").asInt(), stoppedAfter, "stopped after");
    assertEquals(keras.get("weight").asDouble(), weight[0], "the epoch whose weights the phase ends with");
    List<Double> kerasRates = new ArrayList<>();
    keras.get("learning_rates").forEach(r -> kerasRates.add(r.asDouble()));
    assertEquals(kerasRates.size(), rates.size());
    for (int i = 0; i < rates.size(); i++) {
      assertEquals(kerasRates.get(i), rates.get(i), 1e-6 * RATE, "learning rate after epoch " + (i + 1));
    }
    List<Integer> kerasSaved = new ArrayList<>();
    keras.get("saved").forEach(e -> kerasSaved.add(e.asInt()));
    assertEquals(kerasSaved, saved, "epochs saved as the best");
  }

  private static EpochMetrics metrics(Monitor monitor, int epoch, double value) {
    return switch (monitor) {
      case VAL_LOSS -> new EpochMetrics("head", epoch, 1, 0.5, value, 0.5, 1, 1);
      case VAL_ACCURACY -> new EpochMetrics("head", epoch, 1, 0.5, 1.0, value, 1, 1);
      case LOSS -> new EpochMetrics("head", epoch, value, 0.5, null, null, 1, 1);
      case ACCURACY -> new EpochMetrics("head", epoch, 1, value, null, null, 1, 1);
    };
  }

  private static JsonNode keras(Case c, Path dir) throws Exception {
    String values = java.util.Arrays.stream(c.values()).mapToObj(v -> Double.isNaN(v) ? "NaN" : Double.toString(v))
        .collect(Collectors.joining(", "));
    String stopping = c.stopping() == null ? "null" : String.format(java.util.Locale.ROOT,
        "{\"patience\": %d, \"min_delta\": %s, \"restore_best_weights\": %s}",
        c.stopping().patience(), c.stopping().minDelta(), c.stopping().restoreBestWeights());
    String plateau = c.plateau() == null ? "null" : String.format(java.util.Locale.ROOT,
        "{\"factor\": %s, \"patience\": %d, \"min_lr\": %s}", c.plateau().factor(), c.plateau().patience(),
        c.plateau().minLearningRate());
    String json = String.format(java.util.Locale.ROOT,
        "{\"monitor\": \"%s\", \"values\": [%s], \"learning_rate\": %s, \"save_best\": %s, \"early_stopping\": %s,"
            + " \"plateau\": %s}", c.monitor().kerasName(), values, RATE, c.saveBest(), stopping, plateau);
    Path file = Files.writeString(dir.resolve("case.json"), json, StandardCharsets.UTF_8);
    Python.Run run = Python.script("keras_callbacks_reference.py", List.of(file.toString()));
    assertEquals(0, run.exitCode(), run.output());
    String last = run.output().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow();
    return new ObjectMapper().readTree(last);
  }
}
