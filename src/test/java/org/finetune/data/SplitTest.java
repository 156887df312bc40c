package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SplitTest {

  private static ImageEntry entry(String path) {
    return new ImageEntry(path, 0, path, new ImageContent.InMemory(new byte[0]));
  }

  private static List<ImageEntry> entries(int count) {
    List<ImageEntry> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      entries.add(entry((i % 2 == 0 ? "cats/" : "dogs/") + "img_" + i + ".jpg"));
    }
    return entries;
  }

  private static Set<String> paths(List<ImageEntry> entries) {
    Set<String> paths = new HashSet<>();
    entries.forEach(e -> paths.add(e.path()));
    return paths;
  }

  @Test
  void hashFractionIsTheFirstEightBytesOfSha256() {
    // hashlib.sha256(b"daisy/1.jpg").digest()[:8] == c6aa4aa16442da0a, / 2**64
    assertEquals(0.776035942461259, Split.hashFraction("daisy/1.jpg"), 1e-15);
    assertEquals(0.44189583983064, Split.hashFraction("cats/x.png"), 1e-15);
  }

  @Test
  void validationFractionIsMetOnAThousandFiles() {
    Split split = Split.byPathHash(entries(1000), 0.2);
    assertEquals(1000, split.train().size() + split.validation().size());
    double measured = split.validation().size() / 1000.0;
    assertTrue(Math.abs(measured - 0.2) < 0.03, "measured validation fraction " + measured);
  }

  @Test
  void anImageStaysOnItsSideWhateverElseIsInTheFolder() {
    List<ImageEntry> all = entries(1000);
    Set<String> validation = paths(Split.byPathHash(all, 0.3).validation());
    Split ofHalf = Split.byPathHash(all.subList(0, 500), 0.3);
    ofHalf.validation().forEach(e -> assertTrue(validation.contains(e.path())));
    ofHalf.train().forEach(e -> assertTrue(!validation.contains(e.path())));
    assertEquals(validation, paths(Split.byPathHash(all, 0.3).validation()));
  }

  @Test
  void keepsDataSetOrderOnBothSides() {
    List<ImageEntry> all = entries(100);
    Split split = Split.byPathHash(all, 0.5);
    assertEquals(all.stream().filter(split.train()::contains).toList(), split.train());
    assertEquals(all.stream().filter(split.validation()::contains).toList(), split.validation());
  }

  @Test
  void fractionZeroMeansNoValidation() {
    Split split = Split.byPathHash(entries(50), 0.0);
    assertEquals(50, split.train().size());
    assertTrue(split.validation().isEmpty());
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, 1.0, 1.5, Double.NaN})
  void fractionMustBeInZeroToOne(double fraction) {
    FineTuneException e = assertThrows(FineTuneException.class, () -> Split.byPathHash(entries(3), fraction));
    assertEquals(FineTuneException.Kind.BAD_OPTION, e.kind());
    assertEquals("validation fraction must be at least 0 and below 1, found " + fraction, e.getMessage());
  }
}
