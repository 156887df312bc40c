package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.finetune.FineTuneRequest;
import org.finetune.FineTuner;
import org.finetune.TrainedModel;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.model.StoredTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the base frozen, its outputs come from the cache: computed on the first run, read on the
 * next, and training on them reaches what training through the base reaches.
 */
class FeatureCacheTrainingTest {

  private static final Path MODEL = Path.of("models", "mobilenetv2-0.35-mnist04");
  private static final Path DATA = Path.of("data", "digits-5-9", "train");

  @TempDir Path cache;

  private static FineTuneRequest.Builder request(Path cache, boolean useCache) {
    return FineTuneRequest.builder()
        .model(MODEL)
        .data(DATA)
        .head(new HeadConfig(Pooling.FLATTEN, 64, 0.5))
        .training(TrainingConfig.builder().epochs(3).build())
        .useCache(useCache)
        .cacheDirectory(cache);
  }

  @Test
  void cachedTrainingMatchesTrainingThroughTheBase() {
    Map<String, StoredTensor> direct = train(request(cache, false).build(), new ArrayList<>());
    List<String> notes = new ArrayList<>();
    Map<String, StoredTensor> cached = train(request(cache, true).build(), notes);
    assertTrue(notes.get(0).startsWith("the base's outputs are cached in " + cache), notes.toString());
    for (String v : direct.keySet()) {
      double diff = maxAbsDiff(direct.get(v).floats(), cached.get(v).floats());
      assertTrue(diff < 1e-4, v + " differs by " + diff + " between cached and direct training");
    }
  }

  @Test
  void aSecondRunReadsTheCacheAndGetsTheSameWeights() throws Exception {
    Map<String, StoredTensor> first = train(request(cache, true).build(), new ArrayList<>());
    long recordsAfterFirst = shardBytes();
    Map<String, StoredTensor> second = train(request(cache, true).build(), new ArrayList<>());
    assertEquals(recordsAfterFirst, shardBytes(), "nothing new computed");
    assertTrue(recordsAfterFirst > 0);
    for (String v : first.keySet()) {
      assertTrue(first.get(v).sameAs(second.get(v)), v + " differs between the computing and the reading run");
    }
  }

  @Test
  void otherPreprocessingOrACutGetsItsOwnFeatures() throws Exception {
    train(request(cache, true).build(), new ArrayList<>());
    train(request(cache, true).preprocessing("none").build(), new ArrayList<>());
    train(request(cache, true).strategy(StrategyConfig.cut("block_8_add")).build(), new ArrayList<>());
    try (Stream<Path> dirs = Files.list(cache)) {
      assertEquals(3, dirs.count(), "one directory per (model, layer, preprocessing, input size)");
    }
  }

  @Test
  void fineTuningTheBaseSwitchesTheCacheOffAndSaysSo() throws Exception {
    List<String> notes = new ArrayList<>();
    train(request(cache, true).strategy(StrategyConfig.unfreezeTop(1).withFineTune(1, null, false)).build(), notes);
    assertEquals("the feature cache is off: phase 2 trains base layers, so the base's outputs change", notes.get(0));
    try (Stream<Path> files = Files.walk(cache)) {
      assertEquals(0, files.filter(f -> f.getFileName().toString().startsWith("shard-")).count());
    }
    List<String> off = new ArrayList<>();
    train(request(cache, false).build(), off);
    assertNotEquals(notes.get(0), off.get(0));
  }

  private static Map<String, StoredTensor> train(FineTuneRequest request, List<String> notes) {
    TrainingListener listener = new TrainingListener() {
      @Override
      public void note(String message) {
        notes.add(message);
      }
    };
    try (TrainedModel model = FineTuner.train(request, listener)) {
      return model.trainer().readWeights(model.trainer().trainedVariables());
    }
  }

  private long shardBytes() throws Exception {
    try (Stream<Path> files = Files.walk(cache)) {
      return files.filter(f -> f.getFileName().toString().startsWith("shard-")).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
