package org.finetune.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.finetune.data.Dataset;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageEntry;
import org.finetune.data.ImageSpec;
import org.finetune.data.Preprocessing;
import org.finetune.data.SkipListener;
import org.finetune.model.BaseNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The similarity score on the shipped demo base (MobileNetV2 pre-trained on MNIST digits 0-4):
 * held-out digits 0-4, which the base never saw but which come from its training distribution,
 * against generated textures; and the demo's target task, digits 5-9, in between.
 */
class DemoSimilarityTest {

  static final Path DEMO_BASE = Path.of("models/mobilenetv2-0.35-mnist04");
  static final Path HELD_OUT_DIGITS = Path.of("src/test/resources/digits-0-4-heldout");
  static final Path DIGITS_5_9 = Path.of("data/digits-5-9/train");

  @TempDir static Path temp;
  static BaseNetwork base;
  static ImageDecoder decoder;
  static Path textures;
  static Similarity heldOut;
  static Similarity texture;
  static Similarity digits59;

  @BeforeAll
  static void measure() throws IOException {
    base = BaseNetwork.load(DEMO_BASE);
    decoder = new ImageDecoder(new ImageSpec(32, 32, 3), Preprocessing.TF);
    textures = Textures.write(temp.resolve("textures"), 40, 7);
    heldOut = batchNorm(HELD_OUT_DIGITS);
    texture = batchNorm(textures);
    digits59 = batchNorm(DIGITS_5_9);
    System.out.printf(Locale.ROOT, "batch-norm similarity: held-out digits 0-4 %.3f (D %.4f), digits 5-9 %.3f (D %.4f),"
            + " textures %.3g (D %.4f)%n", heldOut.score(), heldOut.divergence(), digits59.score(), digits59.divergence(),
        texture.score(), texture.divergence());
  }

  @AfterAll
  static void close() {
    decoder.close();
  }

  private static Similarity batchNorm(Path data) {
    List<ImageEntry> entries = Dataset.open(data).entries();
    return BatchNormSimilarity.measure(base, BatchNormSimilarity.normLayers(base), entries, decoder, 64, SkipListener.IGNORE);
  }

  @Test
  void heldOutDigitsAreSimilarAndTexturesAreNot() {
    assertEquals(200, heldOut.images());
    assertEquals(120, texture.images());
    assertEquals(52, heldOut.profile().size(), "every BatchNormalization layer of MobileNetV2");
    assertTrue(heldOut.similar() && heldOut.score() > 0.75, "held-out digits: " + heldOut);
    assertTrue(!texture.similar() && texture.score() < 1e-3, "textures: " + texture);
    // far apart on the divergence too: more than 50 times
    assertTrue(texture.divergence() > 50 * heldOut.divergence(), texture.divergence() + " vs " + heldOut.divergence());
  }

  @Test
  void theDemoTaskIsDifferentButLessSoThanTextures() {
    assertFalse(digits59.similar(), "digits 5-9: " + digits59);
    assertTrue(heldOut.score() > digits59.score() && digits59.score() > texture.score());
    assertTrue(digits59.score() > 0.1, "digits 5-9 are no textures: " + digits59.score());
  }

  @Test
  void theProfileShowsWhereTheImagesStopLookingLikeTheTrainingData() {
    // textures differ from the first layer on
    assertTrue(texture.profile().get(0).value() > 10 * BatchNormSimilarity.THRESHOLD, texture.profile().get(0).toString());
    assertEquals("Conv1_relu", texture.cutLayer(), "nothing deeper fits: keep only the first unit");
    // digits 5-9 share the strokes of 0-4: within the threshold up to block 6's depthwise convolution,
    // rising past it from there, to 40 times the threshold at the top
    List<LayerScore> profile = digits59.profile();
    int first = indexOf(profile, "block_6_depthwise_BN");
    for (int i = 0; i < profile.size(); i++) {
      assertEquals(i >= first, profile.get(i).value() > BatchNormSimilarity.THRESHOLD, profile.get(i).toString());
    }
    assertTrue(profile.get(profile.size() - 1).value() > 20 * BatchNormSimilarity.THRESHOLD);
    assertEquals("block_6_expand_relu", digits59.cutLayer(), "the last layer before block_6_depthwise");
  }

  @Test
  void theFeatureMeasureAgreesOnTheDemoBaseButIsWeaker() {
    Similarity heldOutFeatures = features(HELD_OUT_DIGITS);
    Similarity textureFeatures = features(textures);
    Similarity digitsFeatures = features(DIGITS_5_9);
    System.out.printf(Locale.ROOT, "feature similarity: held-out digits 0-4 %.3f (D %.3f), digits 5-9 %.3f (D %.3f),"
            + " textures %.3f (D %.3f)%n", heldOutFeatures.score(), heldOutFeatures.divergence(), digitsFeatures.score(),
        digitsFeatures.divergence(), textureFeatures.score(), textureFeatures.divergence());
    assertTrue(heldOutFeatures.similar(), heldOutFeatures.toString());
    assertFalse(textureFeatures.similar(), textureFeatures.toString());
    assertFalse(digitsFeatures.similar(), digitsFeatures.toString());
    // the base's own classes are best told apart at its top
    LayerScore output = heldOutFeatures.profile().get(heldOutFeatures.profile().size() - 1);
    assertEquals("out_relu", output.layer());
    assertTrue(output.value() > 0.9, output.toString());
  }

  @Test
  void theMomentsTensorFlowAccumulatesEqualADirectComputation() throws IOException {
    // The network's input: the preprocessed pixels, which Java can average itself.
    List<ImageEntry> entries = Dataset.open(HELD_OUT_DIGITS).entries().subList(0, 45);
    BatchNormSimilarity.Measured measured = BatchNormSimilarity.moments(
        base, List.of(base.inputOp() + ":0"), entries, decoder, 7, SkipListener.IGNORE);
    double[] sum = new double[3];
    double[] squares = new double[3];
    long n = 0;
    for (ImageEntry entry : entries) {
      float[] pixels = decoder.decode(entry.readBytes(), entry.location());
      for (int i = 0; i < pixels.length; i++) {
        sum[i % 3] += pixels[i];
        squares[i % 3] += (double) pixels[i] * pixels[i];
      }
      n += pixels.length / 3;
    }
    ChannelMoments m = measured.all(0);
    // batches of 7, 7, 7, 7, 7, 7, 3: at even positions 4 of each 7 and 2 of the 3
    assertEquals(26 * 32 * 32, measured.even()[0].count());
    assertEquals(45, measured.images());
    assertEquals(n, m.count());
    for (int c = 0; c < 3; c++) {
      double mean = sum[c] / n;
      assertEquals(mean, m.mean()[c], 1e-5);
      assertEquals(squares[c] / n - mean * mean, m.variance()[c], 1e-5);
    }
  }

  @Test
  void twentyImagesGiveTheSameVerdicts() throws IOException {
    // 4 per class: sampling noise alone would put the base's own digits near the threshold (0.017);
    // the split-half correction removes it
    Similarity fewHeldOut = batchNorm(firstOfEachClass(HELD_OUT_DIGITS, 4, temp.resolve("held-4")));
    Similarity fewDigits59 = batchNorm(firstOfEachClass(DIGITS_5_9, 4, temp.resolve("digits59-4")));
    System.out.printf(Locale.ROOT, "20 images: held-out digits 0-4 %.3f (D %.4f), digits 5-9 %.3f (D %.4f)%n",
        fewHeldOut.score(), fewHeldOut.divergence(), fewDigits59.score(), fewDigits59.divergence());
    assertEquals(20, fewHeldOut.images());
    assertTrue(fewHeldOut.similar() && fewHeldOut.score() > 0.75, fewHeldOut.toString());
    assertFalse(fewDigits59.similar(), fewDigits59.toString());
  }

  @Test
  void halvesOfTheSameStatisticsShowNoSamplingNoise() {
    ChannelMoments a = new ChannelMoments(10, new double[] {1, 2}, new double[] {3, 4});
    assertEquals(0, BatchNormSimilarity.samplingNoise(a, a), 1e-12);
    // halves a mean shift d apart: a quarter of the symmetrised divergence d^2 / 2
    ChannelMoments b = new ChannelMoments(10, new double[] {1.6, 2}, new double[] {9, 4});
    ChannelMoments c = new ChannelMoments(10, new double[] {1, 2}, new double[] {9, 4});
    assertEquals(0.2 * 0.2 / 2 / 2 / 4, BatchNormSimilarity.samplingNoise(b, c), 1e-9);
  }

  private static Path firstOfEachClass(Path data, int perClass, Path target) throws IOException {
    int[] taken = new int[10];
    for (ImageEntry e : Dataset.open(data).entries()) {
      if (taken[e.label()]++ < perClass) {
        Path file = target.resolve(e.path());
        Files.createDirectories(file.getParent());
        Files.write(file, e.readBytes());
      }
    }
    return target;
  }

  private static Similarity features(Path data) {
    Dataset dataset = Dataset.open(data);
    return FeatureSimilarity.measure(base, dataset.entries(), decoder, dataset.classNames().size(), 64, SkipListener.IGNORE);
  }

  private static int indexOf(List<LayerScore> profile, String layer) {
    for (int i = 0; i < profile.size(); i++) {
      if (profile.get(i).layer().equals(layer)) {
        return i;
      }
    }
    throw new AssertionError(layer + " not in the profile");
  }
}
