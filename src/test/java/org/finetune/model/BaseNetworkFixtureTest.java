package org.finetune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.finetune.testing.Fixtures;
import org.finetune.testing.Npy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Every Keras fixture (4 architectures x 3 export styles) rebuilt as a plain graph computes what
 * Keras computed in Python, and what TensorFlow's own SavedModel loader computes.
 */
class BaseNetworkFixtureTest {

  static Stream<String> fixtures() {
    return Fixtures.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void rebuiltGraphMatchesKerasOutput(String fixture) throws Exception {
    BaseNetwork network = BaseNetwork.load(Fixtures.model(fixture));
    Npy.Array input = Npy.readFloat32(Fixtures.referenceInput(fixture));
    Npy.Array expected = Npy.readFloat32(Fixtures.referenceOutput(fixture));

    float[] rebuilt = runRebuilt(network, input);

    // Keras' eager output and a graph run of the same SavedModel differ by float32 rounding that
    // grows with depth, in Python too (ResNet50, Keras 3: 3.2e-4 on outputs up to 10.6 between
    // model(x) and a tf.compat.v1 Session). Hence a tolerance relative to the output's scale here,
    // and the strict 1e-5 against TensorFlow's own loader below.
    double scale = Math.max(1, maxAbs(expected.values()));
    double diff = Npy.maxAbsDiff(expected.values(), rebuilt);
    assertTrue(diff <= 1e-4 * scale, fixture + ": rebuilt graph differs from Keras by " + diff + " (scale " + scale + ")");
    assertFalse(network.layers().isEmpty(), "layers recovered");
    assertTrue(network.variables().stream().allMatch(v -> network.weights().containsKey(v.opName())));
  }

  static Stream<String> loadableFixtures() {
    return Fixtures.all().stream().filter(f -> !f.endsWith("tf-saved-model"));
  }

  /** The C++ SavedModel loader (what TF Serving uses) gives the same output, to 1e-5. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("loadableFixtures")
  void rebuiltGraphMatchesSavedModelLoader(String fixture) throws Exception {
    BaseNetwork network = BaseNetwork.load(Fixtures.model(fixture));
    Npy.Array input = Npy.readFloat32(Fixtures.referenceInput(fixture));
    double diff = Npy.maxAbsDiff(runLoader(Fixtures.model(fixture), network, input), runRebuilt(network, input));
    assertTrue(diff <= 1e-5, fixture + ": rebuilt graph differs from the SavedModel loader by " + diff);
  }

  /**
   * A Keras 3 model saved with tf.saved_model.save cannot run in the C++ loader at all (its
   * signature reads variable handles the loader never restores; Python's saved_model_cli fails the
   * same way), yet this tool reads its weights from the checkpoint. Its fixture holds the same
   * weights as the keras3-export one (same seed), so the loader's output for that twin is the
   * reference, to 1e-5.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.finetune.testing.Fixtures#archs")
  void tfSavedModelStyleMatchesLoaderOfItsTwin(String arch) throws Exception {
    BaseNetwork saved = BaseNetwork.load(Fixtures.model(arch + "-tf-saved-model"));
    BaseNetwork twin = BaseNetwork.load(Fixtures.model(arch + "-keras3-export"));
    for (ModelVariable v : saved.variables()) {
      ModelVariable t = twin.variables().stream().filter(x -> x.kerasName().equals(v.kerasName())).findFirst().orElseThrow();
      assertTrue(saved.weights().get(v.opName()).sameAs(twin.weights().get(t.opName())), v.kerasName() + " differs");
    }
    Npy.Array input = Npy.readFloat32(Fixtures.referenceInput(arch + "-tf-saved-model"));
    double diff =
        Npy.maxAbsDiff(runLoader(Fixtures.model(arch + "-keras3-export"), twin, input), runRebuilt(saved, input));
    assertTrue(diff <= 1e-5, arch + ": tf.saved_model.save export differs from its twin's loader output by " + diff);
  }

  static float[] runLoader(Path model, BaseNetwork network, Npy.Array input) {
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve");
        TFloat32 x = tensor(input);
        Result r = bundle.function("serving_default").call(Map.of(network.signature().input().key(), x))) {
      return StoredTensor.copyOf(r.get(0)).floats();
    }
  }

  private static double maxAbs(float[] values) {
    double m = 0;
    for (float v : values) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  static float[] runRebuilt(BaseNetwork network, Npy.Array input) {
    try (Graph graph = new Graph()) {
      ImportedNetwork imported = network.importInto(graph);
      try (Session session = new Session(graph)) {
        WeightLoader.assign(session, network.weights());
        try (TFloat32 x = tensor(input);
            Result r = session.runner().feed(imported.input(), x).fetch(imported.output()).run()) {
          return StoredTensor.copyOf(r.get(0)).floats();
        }
      }
    }
  }

  static TFloat32 tensor(Npy.Array a) {
    return TFloat32.tensorOf(Shape.of(a.shape()), DataBuffers.of(a.values(), true, false));
  }
}
