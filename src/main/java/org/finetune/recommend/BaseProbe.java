package org.finetune.recommend;

import java.util.ArrayList;
import java.util.List;
import org.finetune.data.Batch;
import org.finetune.data.BatchOptions;
import org.finetune.data.BatchStream;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageEntry;
import org.finetune.data.SkipListener;
import org.finetune.error.FineTuneException;
import org.finetune.model.BaseNetwork;
import org.finetune.model.ImportedNetwork;
import org.finetune.model.WeightLoader;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The base loaded with its weights, in inference mode, with reductions of its inner tensors added
 * to the graph: images go in batch by batch, and only the reduced values (per-channel sums, pooled
 * features) come back to Java, so that no activation map is kept. Owns its graph and session.
 */
final class BaseProbe implements AutoCloseable {

  /** Receives, for each batch, the fetched values in the order they were asked for. */
  @FunctionalInterface
  interface BatchConsumer {
    void accept(Batch batch, List<float[]> values);
  }

  private final Graph graph;
  private final Session session;
  private final ImportedNetwork network;
  private final Ops tf;

  BaseProbe(BaseNetwork base) {
    graph = new Graph();
    Session opened = null;
    try {
      network = base.importInto(graph);
      tf = Ops.create(graph).withSubScope("probe");
      opened = new Session(graph);
      WeightLoader.assign(opened, base.weights());
      session = opened;
    } catch (RuntimeException e) {
      if (opened != null) {
        opened.close();
      }
      graph.close();
      throw e;
    }
  }

  Ops ops() {
    return tf;
  }

  /** A float32 tensor of the base's graph, e.g. a layer's input. */
  @SuppressWarnings("unchecked")
  Output<TFloat32> tensor(String ref) {
    return (Output<TFloat32>) graph.outputOrThrow(ref);
  }

  /**
   * Runs {@code entries} through the base in data set order and hands each batch's values of
   * {@code fetches} to {@code consumer}; unreadable images are reported to {@code skips} and left
   * out. Add every op (through {@link #ops()}) before the first call.
   *
   * @return the number of images that went through
   * @throws FineTuneException when not one image could be read
   */
  int run(List<ImageEntry> entries, ImageDecoder decoder, int batchSize, SkipListener skips,
      List<Operand<TFloat32>> fetches, BatchConsumer consumer) {
    int images = 0;
    try (BatchStream batches = BatchStream.open(entries, decoder, BatchOptions.inOrder(batchSize), 0, skips)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next()) {
          images += batch.size();
          Session.Runner runner = session.runner().feed(network.input(), batch.pixels());
          fetches.forEach(runner::fetch);
          try (Result result = runner.run()) {
            List<float[]> values = new ArrayList<>(fetches.size());
            for (int i = 0; i < fetches.size(); i++) {
              values.add(floats((TFloat32) result.get(i)));
            }
            consumer.accept(batch, values);
          }
        }
      }
    }
    if (images == 0) {
      throw FineTuneException.badData(
          "none of the " + entries.size() + " images could be read; expected images TensorFlow decodes"
              + " (.jpg, .jpeg, .png, .gif, .bmp)");
    }
    return images;
  }

  private static float[] floats(TFloat32 tensor) {
    float[] values = new float[(int) tensor.size()];
    tensor.copyTo(DataBuffers.of(values, false, false));
    return values;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
