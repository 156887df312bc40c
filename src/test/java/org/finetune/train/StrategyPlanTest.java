package org.finetune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.finetune.error.FineTuneException;
import org.finetune.model.BaseNetwork;
import org.finetune.model.LayerInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What each strategy trains, on the shipped MobileNetV2 (153 layers, 52 of them BatchNormalization). */
class StrategyPlanTest {

  static BaseNetwork base;

  @BeforeAll
  static void load() {
    base = BaseNetwork.load(Path.of("models", "mobilenetv2-0.35-mnist04"));
  }

  @Test
  void freezeTrainsNoBaseVariable() {
    StrategyPlan plan = StrategyPlan.of(StrategyConfig.FREEZE, base);
    assertFalse(plan.hasFineTunePhase());
    assertEquals(base, plan.base());
  }

  @Test
  void cutKeepsTheBaseUpToTheLayerAndNothingAfterIt() {
    StrategyPlan plan = StrategyPlan.of(StrategyConfig.cut("block_8_add"), base);
    BaseNetwork cut = plan.base();
    List<String> names = cut.layers().stream().map(LayerInfo::name).toList();
    assertEquals("block_8_add", names.get(names.size() - 1));
    assertEquals(base.layers().subList(0, names.size()).stream().map(LayerInfo::name).toList(), names);
    assertEquals(List.of(-1L, 2L, 2L, 24L), java.util.Arrays.stream(cut.outputShape()).boxed().toList());
    assertTrue(cut.variables().stream().noneMatch(v -> v.layer().startsWith("block_9") || v.layer().equals("Conv_1")));
    assertTrue(cut.graphDef().getNodeList().stream().noneMatch(n -> n.getName().contains("block_9_")));
    assertEquals(cut.variables().size(), cut.weights().size());
    assertTrue(cut.totalParams() < base.totalParams());
    assertFalse(plan.hasFineTunePhase());
  }

  @Test
  void unfreezeFromALayerTrainsItAndEverythingAfterButBatchNorm() {
    StrategyPlan plan = StrategyPlan.of(StrategyConfig.unfreezeFrom("block_16_expand"), base);
    assertEquals(List.of("block_16_expand", "block_16_depthwise", "block_16_project", "Conv_1"), plan.fineTuneLayers());
    assertEquals(List.of("block_16_expand.kernel", "block_16_depthwise.kernel", "block_16_project.kernel",
        "Conv_1.kernel"), plan.fineTuneVariables());
  }

  @Test
  void trainBatchNormAddsGammaAndBetaButNeverTheMovingStatistics() {
    StrategyConfig config = StrategyConfig.unfreezeFrom("block_16_project").withFineTune(3, null, true);
    StrategyPlan plan = StrategyPlan.of(config, base);
    assertEquals(List.of("block_16_project", "block_16_project_BN", "Conv_1", "Conv_1_bn"), plan.fineTuneLayers());
    assertTrue(plan.fineTuneVariables().containsAll(List.of("Conv_1_bn.gamma", "Conv_1_bn.beta")));
    assertTrue(plan.fineTuneVariables().stream().noneMatch(v -> v.contains("moving")), plan.fineTuneVariables().toString());
  }

  @Test
  void unfreezeTopCountsLayersWithWeightsToTrain() {
    StrategyPlan plan = StrategyPlan.of(StrategyConfig.unfreezeTop(2), base);
    assertEquals(List.of("block_16_project", "Conv_1"), plan.fineTuneLayers());
  }

  @Test
  void fullTrainsEveryConvolutionAndNoBatchNormByDefault() {
    StrategyPlan plan = StrategyPlan.of(StrategyConfig.full(), base);
    assertEquals(52, plan.fineTuneLayers().size(), "104 layers with weights, half of them BatchNormalization");
    assertEquals(52, plan.fineTuneVariables().size());
    assertEquals(1e-5, plan.config().fineTuneLearningRate(1e-4), 1e-12, "a tenth of phase 1's by default");
  }

  @Test
  void badLayersAreRefusedWithTheValidNames() {
    FineTuneException unknown = assertThrows(FineTuneException.class, () -> StrategyPlan.of(StrategyConfig.cut("block_99"), base));
    assertTrue(unknown.getMessage().startsWith("Unknown layer 'block_99'; the base's layers are: Conv1, bn_Conv1, Conv1_relu,"), unknown.getMessage());
    assertTrue(unknown.getMessage().endsWith("Conv_1, Conv_1_bn, out_relu"));
    assertEquals("Cannot cut at the input 'keras_tensor': nothing of the base would remain; cut at a later layer",
        assertThrows(FineTuneException.class, () -> StrategyPlan.of(StrategyConfig.cut("keras_tensor"), base)).getMessage());
    assertEquals("Layer 'out_relu' is the base's output: cutting there keeps the whole base; use --strategy freeze",
        assertThrows(FineTuneException.class, () -> StrategyPlan.of(StrategyConfig.cut("out_relu"), base)).getMessage());
    assertEquals("--top 53 exceeds the 52 layers of the base with weights to train (BatchNormalization layers excluded;"
            + " see --train-batchnorm)",
        assertThrows(FineTuneException.class, () -> StrategyPlan.of(StrategyConfig.unfreezeTop(53), base)).getMessage());
  }

  @Test
  void phaseTwoOptionsNeedAPhaseTwo() {
    FineTuneException e = assertThrows(FineTuneException.class,
        () -> new StrategyConfig(Strategy.FREEZE, null, 0, 5, null, false));
    assertEquals("--fine-tune-epochs, --fine-tune-learning-rate and --train-batchnorm set phase 2, which only"
        + " --strategy unfreeze and full have; --strategy freeze trains the head alone", e.getMessage());
    assertThrows(FineTuneException.class, () -> new StrategyConfig(Strategy.CUT, "block_8_add", 0, 0, null, true));
    assertEquals("--strategy unfreeze needs exactly one of --from LAYER or --top N",
        assertThrows(FineTuneException.class, () -> new StrategyConfig(Strategy.UNFREEZE, "x", 2, 5, null, false)).getMessage());
    assertEquals("--strategy cut needs --at LAYER, the last layer of the base to keep",
        assertThrows(FineTuneException.class, () -> new StrategyConfig(Strategy.CUT, null, 0, 0, null, false)).getMessage());
  }
}
