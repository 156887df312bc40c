package org.finetune.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.FineTuner;
import org.finetune.PreprocessingChoice;
import org.finetune.data.Batch;
import org.finetune.data.BatchOptions;
import org.finetune.data.BatchStream;
import org.finetune.data.Dataset;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageEntry;
import org.finetune.data.ImageSpec;
import org.finetune.data.SkipListener;
import org.finetune.model.BaseNetwork;
import org.finetune.model.ServingSignature;
import org.tensorflow.types.TInt32;

/**
 * The input pipeline alone: one shuffled epoch of the training batches a run would read ({@link
 * BatchStream} with the training defaults: the pixels arrive as the batch's tensor) and the
 * labels tensor made, with no model. Timed: the whole epoch, opening the stream included. It tells how much of a training
 * epoch reading, decoding and resizing would take if it did not overlap with the model.
 */
final class PipelineBench {

  private PipelineBench() {}

  static Map<String, Object> run(Path model, Path data, int batchSize, double valSplit, long seed) {
    BaseNetwork base = FineTuner.inspect(model);
    PreprocessingChoice pre = PreprocessingChoice.resolve(null, base);
    ServingSignature sig = base.signature();
    ImageSpec spec = new ImageSpec(sig.height(), sig.width(), sig.channels());
    List<ImageEntry> train = Dataset.open(data).split(valSplit).train();
    Map<String, Object> r = new LinkedHashMap<>();
    try (ImageDecoder decoder = new ImageDecoder(spec, pre.mode())) {
      BatchOptions options = BatchOptions.shuffled(batchSize, seed);
      epoch(train.subList(0, Math.min(train.size(), 2 * batchSize)), decoder, options, 0); // warm-up
      long start = System.nanoTime();
      long images = epoch(train, decoder, options, 1);
      double seconds = InferenceBench.seconds(start);
      r.put("images", images);
      r.put("timed_s", seconds);
      r.put("images_per_s", images / seconds);
      r.put("workers", options.workers());
      r.put("input_shape", List.of(spec.height(), spec.width(), spec.channels()));
      r.put("timed", "one shuffled epoch of BatchStream over the training split, with the labels tensor; no model");
    }
    return r;
  }

  private static long epoch(List<ImageEntry> entries, ImageDecoder decoder, BatchOptions options, int epoch) {
    long images = 0;
    try (BatchStream batches = BatchStream.open(entries, decoder, options, epoch, SkipListener.IGNORE)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next(); TInt32 y = batch.labelsTensor()) {
          images += batch.size();
        }
      }
    }
    return images;
  }
}
