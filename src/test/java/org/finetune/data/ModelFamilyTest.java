package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelFamilyTest {

  private static Optional<ModelFamily> guess(String... layers) {
    return ModelFamily.guess(List.of(layers));
  }

  /** conv4_block1.._blockN layer names, as ResNet and DenseNet builders produce. */
  private static List<String> stage4(int blocks, String suffix) {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= blocks; i++) {
      names.add("conv4_block" + i + suffix);
    }
    return names;
  }

  @Test
  void findsByModuleOrClassName() {
    assertEquals(new ModelFamily("mobilenet_v2", Preprocessing.TF), ModelFamily.find("MobileNetV2").orElseThrow());
    assertEquals("resnet50_v2", ModelFamily.find("ResNet50V2").orElseThrow().name());
    assertTrue(ModelFamily.find("lenet").isEmpty());
  }

  @Test
  void guessesVgg() {
    assertEquals("vgg16 (caffe)", guess("input_1", "block1_conv1", "block1_conv2", "block5_conv3").orElseThrow().toString());
    assertEquals("vgg19", guess("block1_conv1", "block5_conv4").orElseThrow().name());
  }

  @Test
  void guessesResNetDepthFromItsBlocks() {
    List<String> names = new ArrayList<>(List.of("conv1_conv", "conv2_block1_1_conv", "conv2_block1_0_bn"));
    names.addAll(stage4(6, "_out"));
    assertEquals(new ModelFamily("resnet50", Preprocessing.CAFFE), ModelFamily.guess(names).orElseThrow());
    names.addAll(stage4(23, "_out"));
    assertEquals("resnet101", ModelFamily.guess(names).orElseThrow().name());
  }

  @Test
  void tellsResNetV2AndDenseNetFromResNet() {
    assertEquals(
        new ModelFamily("resnet_v2", Preprocessing.TF),
        guess("conv1_conv", "conv2_block1_preact_bn", "conv2_block1_1_conv").orElseThrow());
    List<String> dense = new ArrayList<>(List.of("conv1/conv", "conv2_block1_0_bn", "conv2_block1_1_conv", "conv2_block1_concat"));
    dense.addAll(stage4(24, "_concat"));
    assertEquals(new ModelFamily("densenet121", Preprocessing.TORCH), ModelFamily.guess(dense).orElseThrow());
  }

  @Test
  void guessesMobileNets() {
    assertEquals(new ModelFamily("mobilenet", Preprocessing.TF), guess("conv1", "conv_dw_1", "conv_pw_1").orElseThrow());
    assertEquals(
        new ModelFamily("mobilenet_v2", Preprocessing.TF),
        guess("Conv1", "bn_Conv1", "expanded_conv_depthwise", "block_1_expand").orElseThrow());
  }

  @Test
  void tellsXceptionFromVgg() {
    assertEquals("xception", guess("block1_conv1", "block1_conv1_bn", "block2_sepconv1").orElseThrow().name());
  }

  @Test
  void matchesScopedLayerNames() {
    assertEquals("vgg16", guess("model/vgg16/block1_conv1").orElseThrow().name());
  }

  @Test
  void unknownLayersGiveNoGuess() {
    assertTrue(guess("conv2d", "max_pooling2d", "dense").isEmpty());
    assertTrue(guess().isEmpty());
  }
}
