package org.finetune.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.finetune.data.Dataset;
import org.finetune.data.ImageEntry;
import org.finetune.model.BaseNetwork;
import org.finetune.testing.ColourImages;
import org.finetune.train.StrategyConfig;
import org.finetune.train.StrategyPlan;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The size rule, the four cases and their strategies, the sample, and the printed command. */
class RecommenderTest {

  static BaseNetwork demo;

  @BeforeAll
  static void load() {
    demo = BaseNetwork.load(DemoSimilarityTest.DEMO_BASE);
  }

  private static DataSize size(int... perClass) {
    List<String> names = java.util.stream.IntStream.range(0, perClass.length).mapToObj(i -> "c" + i).toList();
    return new DataSize(names, perClass);
  }

  private static Similarity similarity(double divergence) {
    return new Similarity(Similarity.Measure.BATCH_NORM, divergence, 0.02, List.of(), "block_5_add", 100);
  }

  @Test
  void aDataSetIsLargeWhenItsSmallestClassHasAThousandImages() {
    assertFalse(size(40, 40, 40, 40, 40).large());
    assertFalse(size(5000, 999).large(), "the smallest class decides");
    assertTrue(size(1000, 1000).large());
    DataSize mixed = size(1200, 999, 3000);
    assertEquals(5199, mixed.total());
    assertEquals(999, mixed.smallestClass());
    assertEquals(3000, mixed.largestClass());
    assertEquals("c1", mixed.smallestClassName());
    assertEquals("5199 images in 3 classes, 999 to 3000 per class", mixed.toString());
  }

  @Test
  void eachCaseGetsItsStrategyAndEveryOneIsValidForTheBase() {
    Similarity similar = similarity(0.01);
    Similarity different = similarity(0.05);
    assertEquals(StrategyConfig.FREEZE, Recommender.strategy(demo, size(40, 40), similar));
    assertEquals(StrategyConfig.cut("block_5_add"), Recommender.strategy(demo, size(40, 40), different));
    assertEquals(StrategyConfig.unfreezeTop(12), Recommender.strategy(demo, size(1000, 1000), similar));
    assertEquals(StrategyConfig.full(), Recommender.strategy(demo, size(1000, 1000), different));
    for (Similarity s : List.of(similar, different)) {
      for (DataSize d : List.of(size(40, 40), size(1000, 1000))) {
        StrategyPlan.of(Recommender.strategy(demo, d, s), demo); // throws if the base refuses it
      }
    }
  }

  @Test
  void theCommandNamesEveryOptionOfTheStrategy() {
    Path model = Path.of("models/m");
    Path data = Path.of("photos");
    Path out = Path.of("serving/photos");
    DataSize small = size(40, 40);
    Recommendation cut = new Recommendation(model, data, out, null, small, similarity(0.05), StrategyConfig.cut("block_5_add"), 0);
    assertEquals("small and different", cut.transferCase());
    assertEquals(List.of("train", "--model", "models/m", "--data", "photos", "--out", "serving/photos", "--strategy", "cut",
        "--at", "block_5_add"), cut.trainArguments());
    assertEquals("mvn -q exec:java -Dexec.args=\"train --model models/m --data photos --out serving/photos --strategy cut"
        + " --at block_5_add\"", cut.command());
    Recommendation top = new Recommendation(model, data, out, "mobilenet_v2", size(1000, 1000), similarity(0.01),
        StrategyConfig.unfreezeTop(12), 0);
    assertEquals("large and similar", top.transferCase());
    assertTrue(top.command().endsWith("--preprocess mobilenet_v2 --strategy unfreeze --top 12\""), top.command());
    Recommendation from = new Recommendation(model, data, out, null, size(1000, 1000), similarity(0.01),
        StrategyConfig.unfreezeFrom("block_13_expand"), 0);
    assertTrue(from.command().endsWith("--strategy unfreeze --from block_13_expand\""), from.command());
    Recommendation spaced = new Recommendation(Path.of("my models/m"), data, out, null, small, similarity(0.01),
        StrategyConfig.FREEZE, 0);
    assertTrue(spaced.command().contains("--model 'my models/m' --data photos"), spaced.command());
    assertTrue(spaced.command().endsWith("--strategy freeze\""), spaced.command());
  }

  @Test
  void theDefaultExportRootIsNamedAfterTheDataSet() {
    assertEquals(Path.of("serving", "digits-5-9"), Recommender.defaultOut(Path.of("data/digits-5-9/train")));
    assertEquals(Path.of("serving", "flowers"), Recommender.defaultOut(Path.of("/tmp/flowers.tar.gz")));
    assertEquals(Path.of("serving", "photos"), Recommender.defaultOut(Path.of("photos.zip")));
    assertEquals(Path.of("serving", "cats"), Recommender.defaultOut(Path.of("cats")));
  }

  @Test
  void largeDataSetsAreSampledEvenlyPerClass(@TempDir Path dir) throws IOException {
    Dataset dataset = Dataset.open(ColourImages.write(dir.resolve("c"), 10, 8, 8, 1));
    assertEquals(dataset.entries(), Recommender.sample(dataset, 30), "small enough: all of it");
    List<ImageEntry> sample = Recommender.sample(dataset, 12);
    assertEquals(12, sample.size());
    Map<Integer, Long> perClass = sample.stream().collect(Collectors.groupingBy(ImageEntry::label, Collectors.counting()));
    assertEquals(Map.of(0, 4L, 1, 4L, 2, 4L), perClass);
    assertEquals(sample, Recommender.sample(dataset, 12), "the same every time");
    assertEquals(sample.size(), sample.stream().distinct().count(), "no image twice");
  }
}
