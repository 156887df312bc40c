package org.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.model.StoredTensor;
import org.finetune.testing.ColourImages;
import org.finetune.testing.Fixtures;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning runs in one JVM do not interfere: each run done in parallel with others ends with
 * bit-identical trained weights (and losses) to the same run done alone. Three runs: the demo
 * base on digits, a Keras 3 MobileNet fixture on colours (another model, input size and
 * preprocessing), and the demo base again with another seed sharing the first run's feature cache.
 */
class ParallelTrainingTest {

  static final Path DEMO = Path.of("models", "mobilenetv2-0.35-mnist04");
  static final Path DIGITS = Path.of("data", "digits-5-9", "train");

  @TempDir Path work;

  /** What a run ends with: every trained variable, bit for bit, and the loss of each epoch. */
  record Outcome(Map<String, StoredTensor> weights, List<Double> losses) {}

  static Outcome train(FineTuneRequest request) {
    try (TrainedModel model = FineTuner.train(request, TrainingListener.NONE)) {
      Map<String, StoredTensor> weights = new LinkedHashMap<>(model.trainer().readWeights(model.trainer().trainedVariables()));
      List<Double> losses = model.history().epochs().stream().map(e -> e.loss()).toList();
      return new Outcome(weights, losses);
    }
  }

  @Test
  void eachRunInParallelEqualsTheSameRunAlone() throws Exception {
    Path colours = ColourImages.write(work.resolve("colours"), 12, 40, 40, 3);
    List<Outcome> alone = new ArrayList<>();
    for (FineTuneRequest request : requests(colours, work.resolve("cache-alone"))) {
      alone.add(train(request));
    }
    for (int round = 1; round <= 2; round++) {
      // a fresh cache each round: runs 0 and 2 fill it at the same time
      List<Outcome> parallel = inParallel(requests(colours, work.resolve("cache-" + round)));
      for (int i = 0; i < alone.size(); i++) {
        Outcome a = alone.get(i);
        Outcome p = parallel.get(i);
        assertEquals(a.weights().keySet(), p.weights().keySet());
        assertTrue(a.weights().size() >= 4, "head kernels and biases: " + a.weights().keySet());
        for (String variable : a.weights().keySet()) {
          assertTrue(a.weights().get(variable).sameAs(p.weights().get(variable)),
              "round " + round + ", run " + i + ": " + variable + " differs from the run alone");
        }
        assertEquals(a.losses(), p.losses(), "round " + round + ", run " + i + ": losses");
      }
    }
  }

  private List<FineTuneRequest> requests(Path colours, Path cache) {
    return List.of(
        request(DEMO, DIGITS, new HeadConfig(Pooling.AVG, 16, 0.5), 7, cache),
        request(Fixtures.model("mobilenet-keras3-export"), colours, new HeadConfig(Pooling.FLATTEN, 8, 0.25), 11, cache),
        request(DEMO, DIGITS, new HeadConfig(Pooling.MAX, 12, 0.5), 13, cache));
  }

  private static List<Outcome> inParallel(List<FineTuneRequest> requests) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(requests.size());
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Outcome>> futures = new ArrayList<>();
      for (FineTuneRequest request : requests) {
        futures.add(pool.submit(() -> {
          start.await();
          return train(request);
        }));
      }
      start.countDown();
      List<Outcome> outcomes = new ArrayList<>();
      for (Future<Outcome> f : futures) {
        outcomes.add(f.get());
      }
      return outcomes;
    } finally {
      pool.shutdownNow();
    }
  }

  private static FineTuneRequest request(Path model, Path data, HeadConfig head, long seed, Path cache) {
    return FineTuneRequest.builder()
        .model(model)
        .data(data)
        .head(head)
        .training(TrainingConfig.builder().epochs(3).batchSize(16).learningRate(1e-3).seed(seed).build())
        .cacheDirectory(cache)
        .build();
  }
}
