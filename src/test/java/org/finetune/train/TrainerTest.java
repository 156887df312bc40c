package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.finetune.data.Dataset;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageSpec;
import org.finetune.data.Preprocessing;
import org.finetune.data.Split;
import org.finetune.head.HeadConfig;
import org.finetune.model.BaseNetwork;
import org.finetune.model.ModelVariable;
import org.finetune.model.StoredTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training on the shipped demo task (digits 5-9 on the MobileNetV2 pre-trained on digits 0-4):
 * the head learns, the frozen base does not move by a single bit, and a seed fixes the result.
 */
class TrainerTest {

  static BaseNetwork base;
  static Split split;
  static Dataset test;

  @BeforeAll
  static void load() {
    base = BaseNetwork.load(Path.of("models", "mobilenetv2-0.35-mnist04"));
    split = Dataset.open(Path.of("data", "digits-5-9", "train")).split(0.2);
    test = Dataset.open(Path.of("data", "digits-5-9", "test"));
  }

  private static Trainer trainer(ImageDecoder decoder, long seed) {
    TrainingConfig config = TrainingConfig.builder().epochs(10).seed(seed).build();
    return new Trainer(StrategyPlan.of(StrategyConfig.FREEZE, base), HeadConfig.DEFAULT, List.of("5", "6", "7", "8", "9"), config, decoder, false, CacheSettings.OFF);
  }

  private static ImageDecoder decoder() {
    return new ImageDecoder(new ImageSpec(32, 32, 3), Preprocessing.TF);
  }

  @Test
  void headLearnsAndTheFrozenBaseStaysBitIdentical() {
    List<String> baseVariables = base.variables().stream().map(ModelVariable::opName).toList();
    try (ImageDecoder decoder = decoder(); Trainer trainer = trainer(decoder, 42)) {
      Map<String, StoredTensor> headBefore = trainer.readWeights(trainer.trainedVariables());
      History history = trainer.fit(split.train(), split.validation(), TrainingListener.NONE);
      Evaluation result = trainer.evaluate(test.entries(), TrainingListener.NONE);

      assertEquals(10, history.epochs().size());
      assertTrue(history.epochs().get(9).loss() < history.epochs().get(0).loss(), "training loss falls");
      assertTrue(result.accuracy() >= 0.55, "test accuracy " + result.accuracy() + " (chance: 0.2)");
      assertEquals(500, result.images());

      Map<String, StoredTensor> baseAfter = trainer.readWeights(baseVariables);
      for (String v : baseVariables) {
        assertTrue(base.weights().get(v).sameAs(baseAfter.get(v)), v + " moved");
      }
      Map<String, StoredTensor> headAfter = trainer.readWeights(trainer.trainedVariables());
      for (String v : trainer.trainedVariables()) {
        assertFalse(headBefore.get(v).sameAs(headAfter.get(v)), v + " did not move");
      }
      assertEquals(4, trainer.trainedVariables().size(), "only the head trains: " + trainer.trainedVariables());
    }
  }

  @Test
  void theSameSeedGivesTheSameWeightsAndAnotherSeedOthers() {
    Map<String, StoredTensor> first = trainOnce(7);
    Map<String, StoredTensor> second = trainOnce(7);
    Map<String, StoredTensor> other = trainOnce(8);
    for (String v : first.keySet()) {
      assertTrue(first.get(v).sameAs(second.get(v)), v + " differs between two runs with seed 7");
      assertFalse(first.get(v).sameAs(other.get(v)), v + " is the same with seed 8");
    }
  }

  private static Map<String, StoredTensor> trainOnce(long seed) {
    try (ImageDecoder decoder = decoder();
        Trainer trainer = new Trainer(StrategyPlan.of(StrategyConfig.FREEZE, base), HeadConfig.DEFAULT, List.of("5", "6", "7", "8", "9"),
            TrainingConfig.builder().epochs(2).seed(seed).build(), decoder, false, CacheSettings.OFF)) {
      trainer.fit(split.train(), split.validation(), TrainingListener.NONE);
      return trainer.readWeights(trainer.trainedVariables());
    }
  }
}
