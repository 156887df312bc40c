package org.finetune.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;

class HeadConfigTest {

  @Test
  void defaultsFollowTheReferenceTutorial() {
    assertEquals(Pooling.FLATTEN, HeadConfig.DEFAULT.pooling());
    assertEquals(List.of(new HeadLayer.Dense(1024, HeadLayer.Activation.RELU), new HeadLayer.Dropout(0.5)),
        HeadConfig.DEFAULT.layers());
    assertEquals("flatten -> dense(1024, relu) -> dropout(0.5) -> dense(10, softmax)", HeadConfig.DEFAULT.describe(10));
  }

  @Test
  void zeroDenseUnitsMeansNoHiddenLayer() {
    HeadConfig linear = new HeadConfig(Pooling.AVG, 0, 0.5);
    assertEquals("global_avg -> dense(3, softmax)", linear.describe(3));
  }

  @Test
  void rejectsOutOfRangeValuesWithTheOptionName() {
    FineTuneException dense = assertThrows(FineTuneException.class, () -> new HeadConfig(Pooling.FLATTEN, -1, 0.5));
    assertEquals("--dense must be >= 0 (0 means no hidden layer), got -1", dense.getMessage());
    assertEquals(FineTuneException.Kind.BAD_OPTION, dense.kind());
    assertEquals("--dropout must be in [0, 1), got 1.0",
        assertThrows(FineTuneException.class, () -> new HeadConfig(Pooling.FLATTEN, 8, 1.0)).getMessage());
    assertThrows(FineTuneException.class, () -> new HeadConfig(Pooling.FLATTEN, 8, Double.NaN));
  }

  @Test
  void poolingParsesCaseInsensitivelyAndListsChoices() {
    assertEquals(Pooling.MAX, Pooling.parse("MAX"));
    assertEquals("Unknown pooling 'mean'; expected one of [flatten, global_avg, global_max]",
        assertThrows(FineTuneException.class, () -> Pooling.parse("mean")).getMessage());
  }
}
