package org.finetune.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.FineTuner;
import org.finetune.PreprocessingChoice;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageSpec;
import org.finetune.model.BaseNetwork;
import org.finetune.model.ImportedNetwork;
import org.finetune.model.ServingSignature;
import org.finetune.model.WeightLoader;
import org.finetune.train.SessionThreads;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Images per second through the frozen base: the rebuilt graph ({@link BaseNetwork#importInto})
 * with its weights ({@link WeightLoader#assign}) in a session, fed batch by batch from images
 * decoded into memory beforehand. Timed, per batch: making the input tensor from the Java array,
 * the session run, and copying the output back into a Java array; that is the work Keras'
 * {@code model.predict} does on a NumPy array. Not timed: loading, decoding, warm-up batches.
 */
final class InferenceBench {

  private InferenceBench() {}

  static Map<String, Object> run(
      Path model, Path imagesList, int batchSize, int warmupBatches, int passes, int threads, Path featuresOut)
      throws IOException {
    long t0 = System.nanoTime();
    BaseNetwork base = FineTuner.inspect(model);
    double loadSeconds = seconds(t0);
    PreprocessingChoice pre = PreprocessingChoice.resolve(null, base);
    ServingSignature sig = base.signature();
    ImageSpec spec = new ImageSpec(sig.height(), sig.width(), sig.channels());
    List<Path> files = Files.readAllLines(imagesList).stream().filter(l -> !l.isBlank()).map(Path::of).toList();
    if (files.isEmpty()) {
      throw new IllegalArgumentException(imagesList + " lists no images");
    }

    long t1 = System.nanoTime();
    List<float[]> batches = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    int values = spec.valuesPerImage();
    try (ImageDecoder decoder = new ImageDecoder(spec, pre.mode())) {
      for (int start = 0; start < files.size(); start += batchSize) {
        int n = Math.min(batchSize, files.size() - start);
        float[] pixels = new float[n * values];
        for (int i = 0; i < n; i++) {
          Path file = files.get(start + i);
          float[] image = decoder.decode(Files.readAllBytes(file), file.toString());
          System.arraycopy(image, 0, pixels, i * values, values);
        }
        batches.add(pixels);
        sizes.add(n);
      }
    }
    double decodeSeconds = seconds(t1);

    Map<String, Object> r = new LinkedHashMap<>();
    try (Graph graph = new Graph()) {
      ImportedNetwork net = base.importInto(graph);
      long perImage = 1;
      for (int d = 1; d < net.output().shape().numDimensions(); d++) {
        perImage *= net.output().shape().get(d);
      }
      float[] out = new float[(int) (perImage * batchSize)];
      try (Session session = new Session(graph, SessionThreads.config(threads))) {
        WeightLoader.assign(session, base.weights());
        long tw = System.nanoTime();
        for (int i = 0; i < warmupBatches; i++) {
          runBatch(session, net, spec, batches.get(0), sizes.get(0), out);
        }
        double warmupSeconds = seconds(tw);
        if (featuresOut != null) {
          writeFloats(featuresOut, out, (int) (perImage * sizes.get(0)));
        }
        double[] batchSeconds = new double[passes * batches.size()];
        long images = 0;
        long start = System.nanoTime();
        for (int p = 0, k = 0; p < passes; p++) {
          for (int b = 0; b < batches.size(); b++, k++) {
            long s = System.nanoTime();
            runBatch(session, net, spec, batches.get(b), sizes.get(b), out);
            batchSeconds[k] = seconds(s);
            images += sizes.get(b);
          }
        }
        double timed = seconds(start);
        Arrays.sort(batchSeconds);
        r.put("images", images);
        r.put("distinct_images", files.size());
        r.put("passes", passes);
        r.put("batch_size", batchSize);
        r.put("input_shape", List.of(spec.height(), spec.width(), spec.channels()));
        r.put("output_values_per_image", perImage);
        r.put("preprocessing", pre.mode().modeName());
        r.put("timed_s", timed);
        r.put("images_per_s", images / timed);
        r.put("median_batch_s", batchSeconds[batchSeconds.length / 2]);
        r.put("warmup_batches", warmupBatches);
        r.put("warmup_s", warmupSeconds);
        r.put("load_s", loadSeconds);
        r.put("decode_s", decodeSeconds);
        r.put("timed", "per batch: input tensor from the Java array, session run, output copied to a Java array");
      }
    }
    return r;
  }

  private static void runBatch(Session session, ImportedNetwork net, ImageSpec spec, float[] pixels, int n, float[] out) {
    Shape shape = Shape.of(n, spec.height(), spec.width(), spec.channels());
    try (TFloat32 x = TFloat32.tensorOf(shape, DataBuffers.of(pixels, true, false).narrow((long) n * spec.valuesPerImage()));
        Result result = session.runner().feed(net.input(), x).fetch(net.output()).run()) {
      TFloat32 y = (TFloat32) result.get(0);
      y.copyTo(DataBuffers.of(out, false, false).narrow(y.size()));
    }
  }

  private static void writeFloats(Path file, float[] values, int count) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values, 0, count);
    Files.write(file, bytes.array());
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
