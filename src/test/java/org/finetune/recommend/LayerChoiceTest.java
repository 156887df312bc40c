package org.finetune.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune.model.BaseNetwork;
import org.finetune.model.LayerInfo;
import org.finetune.testing.Fixtures;
import org.finetune.train.StrategyConfig;
import org.finetune.train.StrategyPlan;
import org.junit.jupiter.api.Test;

/** Cut candidates and last stages on the Keras applications exported from Python. */
class LayerChoiceTest {

  private static List<String> names(List<LayerInfo> layers) {
    return layers.stream().map(LayerInfo::name).toList();
  }

  @Test
  void vgg16CutsAfterAnyLayerButTheLastAndItsLastStageIsBlock5() {
    BaseNetwork vgg = BaseNetwork.load(Fixtures.model("vgg16-keras3-export"));
    List<String> all = names(vgg.layers());
    assertEquals(all.subList(0, all.size() - 1), names(LayerChoice.cutCandidates(vgg)), "all but block5_pool");
    assertEquals(List.of("block5_conv1", "block5_conv2", "block5_conv3"), names(LayerChoice.lastStage(vgg)));
  }

  @Test
  void resnet50CutsOnlyBetweenBlocks() {
    for (String style : List.of("keras3-export", "tf-keras-save")) {
      BaseNetwork resnet = BaseNetwork.load(Fixtures.model("resnet50-" + style));
      List<String> expected = new ArrayList<>(List.of("conv1_relu", "pool1_pool"));
      int[] blocks = {3, 4, 6, 3};
      for (int stage = 0; stage < blocks.length; stage++) {
        for (int block = 1; block <= blocks[stage]; block++) {
          expected.add("conv" + (stage + 2) + "_block" + block + "_out");
        }
      }
      expected.remove("conv5_block3_out"); // the output
      assertEquals(expected, names(LayerChoice.cutCandidates(resnet)), style);
      List<String> stage5 = names(LayerChoice.lastStage(resnet));
      assertEquals(10, stage5.size(), stage5.toString());
      assertTrue(stage5.stream().allMatch(n -> n.startsWith("conv5_") && n.endsWith("_conv")), stage5.toString());
    }
  }

  @Test
  void mobileNetV2CutsBetweenBlocksAndBetweenTheUnitsOfBlocksWithoutShortcut() {
    BaseNetwork demo = BaseNetwork.load(Path.of("models/mobilenetv2-0.35-mnist04"));
    List<String> cuts = names(LayerChoice.cutCandidates(demo));
    assertTrue(cuts.containsAll(List.of("Conv1_relu", "block_2_add", "block_5_add", "block_6_expand_relu", "block_16_project_BN")));
    // inside a block with a shortcut, only its Add is a whole network; never between a convolution
    // and its normalisation, nor at padding or the output
    for (String inside : List.of("block_2_expand_relu", "block_2_project_BN", "block_6_expand", "block_6_expand_BN",
        "block_6_pad", "Conv_1_bn", "out_relu")) {
      assertTrue(!cuts.contains(inside), inside);
    }
    List<String> stage = names(LayerChoice.lastStage(demo));
    assertEquals(12, stage.size(), stage.toString());
    assertEquals("block_13_depthwise", stage.get(0));
    assertEquals("Conv_1", stage.get(11));
    // every candidate is a valid cut for train, and the last stage a valid --top
    for (String cut : cuts) {
      StrategyPlan plan = StrategyPlan.of(StrategyConfig.cut(cut), demo);
      assertEquals(cut, plan.base().layers().get(plan.base().layers().size() - 1).name());
    }
    assertEquals(stage, StrategyPlan.of(StrategyConfig.unfreezeTop(stage.size()), demo).fineTuneLayers());
  }

  @Test
  void mobileNetCutsAfterEveryActivation() {
    BaseNetwork mobilenet = BaseNetwork.load(Fixtures.model("mobilenet-tf-keras-save"));
    List<String> cuts = names(LayerChoice.cutCandidates(mobilenet));
    assertEquals(26, cuts.size(), cuts.toString()); // conv1 and 13 depthwise + pointwise pairs, less the output
    assertTrue(cuts.stream().allMatch(n -> n.endsWith("_relu")), cuts.toString());
    assertEquals(List.of("conv_dw_12", "conv_pw_12", "conv_dw_13", "conv_pw_13"), names(LayerChoice.lastStage(mobilenet)));
  }
}
