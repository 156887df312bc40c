package org.finetune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;

class ImageSpecTest {

  @Test
  void countsValuesPerImage() {
    assertEquals(224 * 224 * 3, new ImageSpec(224, 224, 3).valuesPerImage());
    assertEquals("64x48x1", new ImageSpec(64, 48, 1).toString());
  }

  @Test
  void rejectsNonPositiveSizes() {
    FineTuneException e = assertThrows(FineTuneException.class, () -> new ImageSpec(0, 224, 3));
    assertEquals(FineTuneException.Kind.BAD_OPTION, e.kind());
    assertEquals("image size must be positive, found height 0 and width 224", e.getMessage());
    assertThrows(FineTuneException.class, () -> new ImageSpec(224, -1, 3));
  }

  @Test
  void acceptsOnlyGrayOrRgb() {
    FineTuneException e = assertThrows(FineTuneException.class, () -> new ImageSpec(8, 8, 4));
    assertEquals("image channels must be 1 (grayscale) or 3 (RGB), found 4", e.getMessage());
    assertThrows(FineTuneException.class, () -> new ImageSpec(8, 8, 2));
  }

  @Test
  void rejectsImagesTooLargeForOneArray() {
    assertThrows(FineTuneException.class, () -> new ImageSpec(50_000, 50_000, 3));
  }
}
