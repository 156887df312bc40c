package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.finetune.data.Dataset;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageEntry;
import org.finetune.data.ImageSpec;
import org.finetune.data.Preprocessing;
import org.finetune.head.HeadConfig;
import org.finetune.model.BaseNetwork;
import org.finetune.model.ModelVariable;
import org.finetune.model.StoredTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * After both phases of unfreeze and full on the shipped demo task (MobileNetV2 0.35, 32x32,
 * digits 5-9; one head epoch, one fine-tuning epoch), every base variable the plan leaves frozen
 * is bit-identical to the exported weights, every one it unfreezes has moved, and the head has
 * moved. BatchNormalization moving statistics never change; gamma and beta change only with
 * trainBatchNorm.
 */
class FreezingTest {

  private static final String BATCH_NORM = "BatchNormalization";

  static BaseNetwork base;
  static List<ImageEntry> train;

  @BeforeAll
  static void load() {
    base = BaseNetwork.load(Path.of("models", "mobilenetv2-0.35-mnist04"));
    train = Dataset.open(Path.of("data", "digits-5-9", "train")).split(0.2).train();
  }

  @Test
  void unfreezeFromALayer() {
    Set<String> unfrozen = check(StrategyConfig.unfreezeFrom("block_16_expand").withFineTune(1, null, false));
    assertEquals(
        Set.of("block_16_expand/kernel", "block_16_depthwise/kernel", "block_16_project/kernel", "Conv_1/kernel"), unfrozen);
  }

  @Test
  void unfreezeTheTopLayers() {
    Set<String> unfrozen = check(StrategyConfig.unfreezeTop(2).withFineTune(1, null, false));
    assertEquals(Set.of("block_16_project/kernel", "Conv_1/kernel"), unfrozen);
  }

  @Test
  void unfreezeFromALayerWithBatchNormGammaAndBeta() {
    Set<String> unfrozen = check(StrategyConfig.unfreezeFrom("block_16_expand").withFineTune(1, null, true));
    Set<String> expected =
        new TreeSet<>(Set.of("block_16_expand/kernel", "block_16_depthwise/kernel", "block_16_project/kernel", "Conv_1/kernel"));
    for (String bn : List.of("block_16_expand_BN", "block_16_depthwise_BN", "block_16_project_BN", "Conv_1_bn")) {
      expected.add(bn + "/gamma");
      expected.add(bn + "/beta");
    }
    assertEquals(expected, unfrozen);
  }

  @Test
  void fullTrainsEveryKernelAndNoBatchNorm() {
    Set<String> unfrozen = check(StrategyConfig.full().withFineTune(1, null, false));
    assertEquals(kerasNames(v -> v.trainable() && !isBatchNorm(v)), unfrozen);
    assertEquals(52, unfrozen.size(), "35 Conv2D and 17 DepthwiseConv2D kernels");
  }

  @Test
  void fullWithBatchNormTrainsEveryTrainableWeight() {
    Set<String> unfrozen = check(StrategyConfig.full().withFineTune(1, null, true));
    assertEquals(kerasNames(ModelVariable::trainable), unfrozen);
    assertEquals(52 + 2 * 52, unfrozen.size(), "52 kernels, gamma and beta of 52 BatchNormalization layers");
  }

  /**
   * Trains one epoch per phase with {@code strategy} and checks what moved; returns the Keras
   * names of the base variables the plan unfroze.
   */
  private static Set<String> check(StrategyConfig strategy) {
    StrategyPlan plan = StrategyPlan.of(strategy, base);
    TrainingConfig config = TrainingConfig.builder().epochs(1).seed(3).build();
    Set<String> unfrozen = Set.copyOf(plan.fineTuneVariables());
    List<String> baseVariables = base.variables().stream().map(ModelVariable::opName).toList();
    try (ImageDecoder decoder = new ImageDecoder(new ImageSpec(32, 32, 3), Preprocessing.TF);
        Trainer trainer = new Trainer(plan, HeadConfig.DEFAULT, List.of("5", "6", "7", "8", "9"), config, decoder, false, CacheSettings.OFF)) {
      List<String> head = trainer.trainedVariables().stream().filter(v -> !unfrozen.contains(v)).toList();
      Map<String, StoredTensor> headBefore = trainer.readWeights(head);
      History history = trainer.fit(train, List.of(), TrainingListener.NONE);
      assertEquals(List.of(Trainer.HEAD_PHASE, Trainer.FINE_TUNE_PHASE),
          history.epochs().stream().map(EpochMetrics::phase).toList(), "one epoch per phase");

      Map<String, StoredTensor> after = trainer.readWeights(baseVariables);
      int statistics = 0;
      for (ModelVariable v : base.variables()) {
        boolean same = base.weights().get(v.opName()).sameAs(after.get(v.opName()));
        if (unfrozen.contains(v.opName())) {
          assertFalse(same, v.kerasName() + " is unfrozen but did not move");
        } else {
          assertTrue(same, v.kerasName() + " is frozen but moved");
        }
        if (!v.trainable()) {
          assertTrue(same, v.kerasName() + ": a moving statistic changed");
          statistics++;
        }
        if (isBatchNorm(v) && v.trainable() && !strategy.trainBatchNorm()) {
          assertTrue(same, v.kerasName() + " moved without trainBatchNorm");
        }
      }
      assertEquals(2 * 52, statistics, "moving mean and variance of 52 BatchNormalization layers checked");
      Map<String, StoredTensor> headAfter = trainer.readWeights(head);
      for (String v : head) {
        assertFalse(headBefore.get(v).sameAs(headAfter.get(v)), v + " (head) did not move");
      }
    }
    return plan.fineTuneVariables().stream().map(FreezingTest::kerasName).collect(Collectors.toCollection(TreeSet::new));
  }

  private static boolean isBatchNorm(ModelVariable v) {
    return base.layer(v.layer()).orElseThrow().type().equals(BATCH_NORM);
  }

  private static Set<String> kerasNames(Predicate<ModelVariable> which) {
    return base.variables().stream().filter(which).map(ModelVariable::kerasName).collect(Collectors.toCollection(TreeSet::new));
  }

  private static String kerasName(String opName) {
    return base.variables().stream().filter(v -> v.opName().equals(opName)).findFirst().orElseThrow().kerasName();
  }
}
