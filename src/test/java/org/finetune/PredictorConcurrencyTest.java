package org.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One loaded export serves predict from many threads at once: every call, in every thread, returns
 * exactly what the same call returns on a single thread (same probabilities, bit for bit, same
 * top classes), over many iterations with calls of different batch sizes interleaved.
 */
class PredictorConcurrencyTest {

  static final Path DEMO = Path.of("models", "mobilenetv2-0.35-mnist04");
  static final Path DIGITS = Path.of("data", "digits-5-9");
  static final int THREADS = 8;
  static final int ITERATIONS = 40;

  @Test
  void manyThreadsGetTheSinglethreadedAnswers(@TempDir Path work) throws Exception {
    FineTuneRequest request = FineTuneRequest.builder().model(DEMO).data(DIGITS.resolve("train"))
        .output(work.resolve("serving")).head(new HeadConfig(Pooling.AVG, 32, 0.25))
        .training(TrainingConfig.builder().epochs(2).batchSize(32).learningRate(1e-3).build())
        .cacheDirectory(work.resolve("cache")).build();
    Path export = FineTuner.run(request, TrainingListener.NONE).exportDir();

    List<Path> images;
    try (Stream<Path> files = Files.walk(DIGITS.resolve("test"))) {
      images = files.filter(f -> f.toString().endsWith(".png")).sorted().limit(24).toList();
    }
    // the calls: single images, and batches of 3 and 8
    List<List<Path>> calls = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      calls.add(List.of(images.get(i)));
    }
    for (int i = 0; i + 3 <= images.size(); i += 3) {
      calls.add(images.subList(i, i + 3));
    }
    for (int i = 0; i + 8 <= images.size(); i += 8) {
      calls.add(images.subList(i, i + 8));
    }

    try (Predictor predictor = Predictor.load(export)) {
      List<List<Predictor.Prediction>> expected = new ArrayList<>();
      for (List<Path> call : calls) {
        expected.add(predictor.predict(call, 5));
      }
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          long seed = t;
          results.add(pool.submit(() -> {
            start.await();
            Random random = new Random(seed);
            int checked = 0;
            for (int iteration = 0; iteration < ITERATIONS; iteration++) {
              List<Integer> order = new ArrayList<>();
              for (int c = 0; c < calls.size(); c++) {
                order.add(c);
              }
              Collections.shuffle(order, random);
              for (int c : order.subList(0, 6)) {
                assertEquals(expected.get(c), predictor.predict(calls.get(c), 5), "call " + c);
                checked++;
              }
            }
            return checked;
          }));
        }
        start.countDown();
        int checked = 0;
        for (Future<Integer> result : results) {
          checked += result.get();
        }
        assertEquals(THREADS * ITERATIONS * 6, checked);
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
