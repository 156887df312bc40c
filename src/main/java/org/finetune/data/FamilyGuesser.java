package org.finetune.data;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells Keras applications apart by the layer names their builders give. The checks run from the
 * most specific to the least: Xception also has {@code block1_conv1} like VGG, and ResNetV2 and
 * DenseNet share ResNet's {@code conv1_conv} / {@code conv2_block1_*} names.
 */
final class FamilyGuesser {

  private static final Pattern SEPCONV = Pattern.compile("block\\d+_sepconv\\d+.*");
  private static final Pattern CONV4_BLOCK = Pattern.compile("conv4_block(\\d+)_.*");

  private final Set<String> names = new HashSet<>();

  private FamilyGuesser(List<String> layerNames) {
    for (String name : layerNames) {
      // Names may come scoped (model/block1_conv1): match the whole name and every part of it.
      names.add(name);
      names.addAll(List.of(name.split("/")));
    }
  }

  /** The family name, as {@link ModelFamily} spells it, or empty. */
  static Optional<String> guess(List<String> layerNames) {
    return Optional.ofNullable(new FamilyGuesser(layerNames).family());
  }

  private String family() {
    if (names.stream().anyMatch(n -> SEPCONV.matcher(n).matches())) {
      return "xception";
    }
    if (has("block1_conv1")) {
      return has("block5_conv4") ? "vgg19" : "vgg16";
    }
    if (has("conv2_block1_0_bn") && has("conv2_block1_concat")) {
      return byDepth("densenet", Map.of(24, "densenet121", 32, "densenet169", 48, "densenet201"));
    }
    if (has("conv1_conv") && has("conv2_block1_preact_bn")) {
      return byDepth("resnet_v2", Map.of(6, "resnet50_v2", 23, "resnet101_v2", 36, "resnet152_v2"));
    }
    if (has("conv1_conv") && has("conv2_block1_1_conv")) {
      return byDepth("resnet", Map.of(6, "resnet50", 23, "resnet101", 36, "resnet152"));
    }
    if (has("conv_dw_1") && has("conv_pw_1")) {
      return "mobilenet";
    }
    if (has("block_1_expand") || has("expanded_conv_depthwise")) {
      return "mobilenet_v2";
    }
    if (has("mixed_5b")) {
      return "inception_resnet_v2";
    }
    if (has("mixed0") && has("mixed10")) {
      return "inception_v3";
    }
    if (has("stem_conv") && has("block1a_dwconv")) {
      return "efficientnet";
    }
    return null;
  }

  private boolean has(String name) {
    return names.contains(name);
  }

  /** Picks the depth variant by the number of blocks in stage conv4, which differs per depth. */
  private String byDepth(String familyName, Map<Integer, String> variantByConv4Blocks) {
    return variantByConv4Blocks.getOrDefault(conv4Blocks(), familyName);
  }

  private int conv4Blocks() {
    int max = 0;
    for (String name : names) {
      Matcher m = CONV4_BLOCK.matcher(name);
      if (m.matches()) {
        max = Math.max(max, Integer.parseInt(m.group(1)));
      }
    }
    return max;
  }
}
