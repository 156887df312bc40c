package org.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.finetune.head.HeadConfig;
import org.finetune.head.Pooling;
import org.finetune.testing.ColourImages;
import org.finetune.testing.Fixtures;
import org.finetune.train.TrainingConfig;
import org.finetune.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's library example, as written there (with a fixture and generated photos). */
class LibraryExampleTest {

  @Test
  void readmeExampleTrainsExportsAndPredicts(@TempDir Path work) throws Exception {
    Path photos = ColourImages.write(work.resolve("photos"), 12, 72, 72, 5);
    Path vgg16 = Fixtures.model("vgg16-keras3-export");
    Path cat = photos.resolve("red").resolve("0.png");

    FineTuneRequest request = FineTuneRequest.builder()
        .model(vgg16)                                     // SavedModel exported from Keras
        .data(photos)                                     // photos/<class>/*.jpg, or photos.tgz
        .output(work.resolve("serving/photos"))           // exports go to serving/photos/<version>/
        .head(new HeadConfig(Pooling.FLATTEN, 1024, 0.5))
        .training(TrainingConfig.builder().epochs(4).learningRate(1e-4).build())
        .build();
    FineTuneResult result = FineTuner.run(request, TrainingListener.NONE);

    String best;
    try (Predictor predictor = Predictor.load(result.exportDir())) {
      Predictor.Prediction p = predictor.predict(List.of(cat), 3).get(0);
      best = p.top().get(0).label();
      assertEquals(3, p.top().size());
      assertTrue(p.top().get(0).probability() >= p.top().get(1).probability());
    }
    assertEquals(work.resolve("serving/photos/1"), result.exportDir());
    assertTrue(Files.exists(result.exportDir().resolve("history.json")));
    assertEquals(4, result.history().epochs().size());
    assertTrue(result.validation().accuracy() >= 0.9, "colours are easy: " + result.validation());
    assertEquals("red", best);
  }
}
