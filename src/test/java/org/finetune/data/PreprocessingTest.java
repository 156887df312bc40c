package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreprocessingTest {

  @ParameterizedTest
  @CsvSource({
    "caffe, CAFFE", "TF, TF", "Torch, TORCH", "none, NONE",
    "vgg16, CAFFE", "VGG19, CAFFE", "resnet50, CAFFE", "resnet101, CAFFE", "ResNet152, CAFFE",
    "mobilenet, TF", "mobilenet_v2, TF", "MobileNetV2, TF", "inception_v3, TF", "InceptionV3, TF",
    "xception, TF", "resnet50_v2, TF", "densenet121, TORCH", "DenseNet201, TORCH",
    "efficientnet, NONE", "mobilenet_v3, NONE"
  })
  void parsesModesAndModelFamiliesInAnyCase(String name, Preprocessing expected) {
    assertEquals(expected, Preprocessing.parse(name));
  }

  @Test
  void unknownNameListsTheValidOnes() {
    FineTuneException e = assertThrows(FineTuneException.class, () -> Preprocessing.parse("alexnet"));
    assertEquals(FineTuneException.Kind.BAD_OPTION, e.kind());
    assertTrue(
        e.getMessage().startsWith("unknown preprocessing 'alexnet': expected one of caffe, tf, torch, none, vgg16, vgg19,"),
        e.getMessage());
    assertTrue(e.getMessage().contains("mobilenet_v2"), e.getMessage());
  }

  @Test
  void caffeAndTorchNeedRgb() {
    FineTuneException e = assertThrows(FineTuneException.class, () -> Preprocessing.CAFFE.requireChannels(1));
    assertEquals(
        "preprocessing 'caffe' needs 3-channel RGB images, found 1 channel(s); use 'tf' or 'none' for grayscale models",
        e.getMessage());
    assertThrows(FineTuneException.class, () -> Preprocessing.TORCH.requireChannels(1));
    assertDoesNotThrow(() -> Preprocessing.TF.requireChannels(1));
    assertDoesNotThrow(() -> Preprocessing.NONE.requireChannels(1));
    assertDoesNotThrow(() -> Preprocessing.CAFFE.requireChannels(3));
  }
}
