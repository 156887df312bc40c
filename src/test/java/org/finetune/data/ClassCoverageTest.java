package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A class folder whose images are all unreadable, or all held out for validation, must stop
 * training with one clear line rather than leave a class the classifier never sees.
 */
class ClassCoverageTest {

  private static final ImageSpec SPEC = new ImageSpec(4, 3, 3);
  private static ImageDecoder decoder;

  @TempDir Path dir;

  @BeforeAll
  static void openDecoder() {
    decoder = new ImageDecoder(SPEC, Preprocessing.NONE);
  }

  @AfterAll
  static void closeDecoder() {
    decoder.close();
  }

  private static ImageEntry good(String className, int label, int i) {
    byte[] png = TestImages.png(TestImages.solid(5, 5, i, 0, 0));
    return new ImageEntry(className + "/" + i + ".png", label, className + "/" + i + ".png", new ImageContent.InMemory(png));
  }

  private static ImageEntry zeroBytes(String className, int label, int i) {
    return new ImageEntry(className + "/" + i + ".png", label, className + "/" + i + ".png", new ImageContent.InMemory(new byte[0]));
  }

  /** Class 'bad' (label 0) holds {@code bad} zero-byte files and {@code good} images; 'ok' (label 1) six images. */
  private static List<ImageEntry> twoClasses(int bad, int good) {
    List<ImageEntry> entries = new ArrayList<>();
    for (int i = 0; i < bad; i++) {
      entries.add(zeroBytes("bad", 0, i));
    }
    for (int i = 0; i < good; i++) {
      entries.add(good("bad", 0, bad + i));
    }
    for (int i = 0; i < 6; i++) {
      entries.add(good("ok", 1, i));
    }
    return entries;
  }

  private static int drain(List<ImageEntry> entries, BatchOptions options, List<String> skipped) {
    int images = 0;
    try (BatchStream stream = BatchStream.open(entries, decoder, options, 0, p -> skipped.add(p.location()))) {
      while (stream.hasNext()) {
        try (Batch batch = stream.next()) {
          images += batch.size();
        }
      }
    }
    return images;
  }

  @Test
  void aTrainingStreamStopsWhenEveryImageOfAClassIsUnreadable() {
    List<String> skipped = new ArrayList<>();
    BatchOptions training = BatchOptions.shuffled(2, 42).withWorkers(2);
    FineTuneException e =
        assertThrows(FineTuneException.class, () -> drain(twoClasses(3, 0), training, skipped));
    assertEquals(FineTuneException.Kind.BAD_DATA, e.kind());
    assertEquals(3, skipped.size(), "each file was reported before the stream stopped");
    assertEquals(
        "class 'bad' has no readable training images: all 3 were unreadable and skipped, the first "
            + skipped.get(0) + " (not a JPEG, PNG, GIF or BMP image (0 bytes)); fix or remove the broken"
            + " files, or remove the class folder",
        e.getMessage());
  }

  @Test
  void oneReadableImageInTheClassIsEnough() {
    List<String> skipped = new ArrayList<>();
    assertEquals(7, drain(twoClasses(3, 1), BatchOptions.shuffled(2, 42).withWorkers(2), skipped));
    assertEquals(List.of("bad/0.png", "bad/1.png", "bad/2.png"), skipped.stream().sorted().toList());
  }

  @Test
  void validationAndTestStreamsOnlySkip() {
    List<String> skipped = new ArrayList<>();
    assertEquals(6, drain(twoClasses(3, 0), BatchOptions.inOrder(2), skipped));
    assertEquals(3, skipped.size());
  }

  @Test
  void aListOfTheReadableImagesIsCheckedTheSameWay() {
    List<ImageEntry> planned = twoClasses(2, 0);
    List<ImageEntry> readable = planned.subList(2, planned.size());
    FineTuneException e = assertThrows(FineTuneException.class, () -> ClassCoverage.require(planned, readable));
    assertEquals(
        "class 'bad' has no readable training images: all 2 were unreadable and skipped, the first bad/0.png;"
            + " fix or remove the broken files, or remove the class folder",
        e.getMessage());
    ClassCoverage.require(planned, planned.subList(1, planned.size())); // one readable 'bad' image: fine
  }

  @Test
  void aClassWhoseOnlyImageFallsInValidationIsNamed() {
    // 'lonely' holds one image whose path hashes below 0.5, so a 0.5 split puts it in validation
    String name = firstNameHashingBelow("lonely/", 0.5);
    TestImages.write(dir.resolve("lonely").resolve(name), TestImages.smallPng());
    for (int i = 0; i < 8; i++) {
      TestImages.write(dir.resolve("many").resolve(i + ".png"), TestImages.smallPng());
    }
    Dataset data = Dataset.open(dir);
    FineTuneException e = assertThrows(FineTuneException.class, () -> data.split(0.5));
    assertEquals(FineTuneException.Kind.BAD_DATA, e.kind());
    assertEquals(
        "class 'lonely' in " + dir + " has no training images: its only image falls in the validation split"
            + " (--val-split 0.5, chosen by a hash of each path); add images to it or lower --val-split",
        e.getMessage());
    assertEquals(9, data.split(0).train().size(), "without validation every class trains");
  }

  private static String firstNameHashingBelow(String prefix, double fraction) {
    for (int i = 0; ; i++) {
      if (Split.hashFraction(prefix + i + ".png") < fraction) {
        return i + ".png";
      }
    }
  }
}
