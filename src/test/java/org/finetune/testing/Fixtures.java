package org.finetune.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Keras models that {@code scripts/make_fixtures.py} exports for the tests (the pom runs it
 * before the tests): every architecture in every export style, plus models that must be refused.
 */
public final class Fixtures {

  public static final List<String> ARCHS = List.of("vgg16", "mobilenet", "mobilenet_v2", "resnet50");
  /** Keras 3 {@code model.export()}, tf_keras {@code model.save(dir)}, {@code tf.saved_model.save} on Keras 3. */
  public static final List<String> STYLES = List.of("keras3-export", "tf-keras-save", "tf-saved-model");

  private Fixtures() {}

  public static Path root() {
    String dir = System.getProperty("finetune.fixtures");
    if (dir == null || !Files.isDirectory(Path.of(dir))) {
      throw new IllegalStateException(
          "No fixtures at '" + dir + "' (system property finetune.fixtures): run 'mvn verify', or"
              + " '.venv/bin/python scripts/make_fixtures.py --out .cache/fixtures'");
    }
    return Path.of(dir);
  }

  public static java.util.stream.Stream<String> archs() {
    return ARCHS.stream();
  }

  /** "vgg16-keras3-export" and so on: all twelve. */
  public static List<String> all() {
    List<String> names = new ArrayList<>();
    for (String arch : ARCHS) {
      for (String style : STYLES) {
        names.add(arch + "-" + style);
      }
    }
    return names;
  }

  public static Path dir(String name) {
    Path dir = root().resolve(name);
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("Fixture " + name + " is missing in " + root() + "; rerun scripts/make_fixtures.py");
    }
    return dir;
  }

  public static Path model(String name) {
    return dir(name).resolve("model");
  }

  public static Path referenceInput(String name) {
    return dir(name).resolve("reference_input.npy");
  }

  public static Path referenceOutput(String name) {
    return dir(name).resolve("reference_output.npy");
  }
}
