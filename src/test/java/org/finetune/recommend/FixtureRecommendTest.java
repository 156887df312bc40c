package org.finetune.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.finetune.FineTuner;
import org.finetune.model.BaseNetwork;
import org.finetune.testing.ColourImages;
import org.finetune.testing.Fixtures;
import org.finetune.train.StrategyPlan;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every architecture, in every export style, has its BatchNormalization statistics found (or none,
 * for VGG16) and gets a recommendation whose strategy its base accepts.
 */
class FixtureRecommendTest {

  @TempDir static Path dir;
  static Path colours;

  @BeforeAll
  static void data() throws IOException {
    colours = ColourImages.write(dir.resolve("colours"), 4, 40, 40, 9);
  }

  @Test
  void everyBatchNormalizationLayerIsMeasuredInEveryExportStyle() {
    for (String name : Fixtures.all()) {
      BaseNetwork base = BaseNetwork.load(Fixtures.model(name));
      long layers = base.layers().stream().filter(l -> l.type().equals("BatchNormalization")).count();
      assertEquals(layers, BatchNormSimilarity.normLayers(base).size(), name);
      assertEquals(name.startsWith("vgg16") ? 0 : 1, Long.signum(layers), name);
    }
  }

  @Test
  void everyArchitectureGetsAValidRecommendation() {
    for (String arch : Fixtures.ARCHS) {
      Path model = Fixtures.model(arch + "-keras3-export");
      Recommendation r = FineTuner.recommend(model, colours, dir.resolve("out"));
      assertEquals(12, r.similarity().images(), arch);
      assertEquals(arch.equals("vgg16") ? Similarity.Measure.FEATURES : Similarity.Measure.BATCH_NORM,
          r.similarity().measure(), arch);
      assertTrue(r.similarity().score() > 0 && r.similarity().score() <= 1, arch + ": " + r.similarity());
      assertEquals("small and " + (r.similarity().similar() ? "similar" : "different"), r.transferCase(), arch);
      StrategyPlan.of(r.strategy(), BaseNetwork.load(model)); // throws if train would refuse it
      assertEquals(model.toString(), r.trainArguments().get(2), arch);
    }
  }
}
