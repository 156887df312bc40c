package org.finetune.train;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.finetune.cache.FeatureCache;
import org.finetune.data.Batch;
import org.finetune.data.BatchOptions;
import org.finetune.data.BatchStream;
import org.finetune.data.ImageDecoder;
import org.finetune.data.ImageEntry;
import org.finetune.data.SkipListener;
import org.finetune.data.UnreadableImageException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The frozen base's output for a set of images, from the {@link FeatureCache}: images not cached
 * yet go through the base once (decoded in parallel as for training), every epoch after reads
 * features instead of running the base. An image is known by the SHA-256 of its bytes, so a
 * renamed or moved file keeps its features and a changed one gets new ones.
 */
final class CachedFeatures {

  /** One image and the key of its features. */
  private record Keyed(ImageEntry entry, byte[] hash) {}

  private final FeatureCache cache;
  private final Shape featureShape;
  private final Map<ImageEntry, byte[]> hashes = new IdentityHashMap<>();

  CachedFeatures(FeatureCache cache, Shape featureShape) {
    this.cache = cache;
    this.featureShape = featureShape;
  }

  /**
   * Makes sure every readable image of {@code entries} has features in the cache; returns those
   * that do, in order. Unreadable images go to {@code skips} (once) and are left out.
   *
   */
  List<ImageEntry> prepare(
      List<ImageEntry> entries, ImageDecoder decoder, TrainingGraph graph, BatchOptions options, SkipListener skips) {
    List<Keyed> missing = new ArrayList<>();
    List<ImageEntry> usable = new ArrayList<>();
    for (ImageEntry entry : entries) {
      byte[] hash = hashOf(entry, skips);
      if (hash == null) {
        continue;
      }
      if (!cache.contains(hash)) {
        missing.add(new Keyed(entry, hash));
      }
      usable.add(entry);
    }
    List<ImageEntry> unreadable = compute(missing, decoder, graph, options, skips);
    usable.removeAll(unreadable);
    return usable;
  }

  private byte[] hashOf(ImageEntry entry, SkipListener skips) {
    byte[] known = hashes.get(entry);
    if (known != null) {
      return known;
    }
    try {
      byte[] hash = FeatureCache.sha256(entry.readBytes());
      hashes.put(entry, hash);
      return hash;
    } catch (IOException e) {
      skips.skipped(new UnreadableImageException(entry.location(), "cannot read it: " + e.getMessage()));
      return null;
    }
  }

  /** Runs the base on the missing images and stores their features; returns the unreadable ones. */
  private List<ImageEntry> compute(
      List<Keyed> missing, ImageDecoder decoder, TrainingGraph graph, BatchOptions options, SkipListener skips) {
    List<ImageEntry> unreadable = new ArrayList<>();
    if (missing.isEmpty()) {
      return unreadable;
    }
    Map<ImageEntry, byte[]> keys = new IdentityHashMap<>();
    missing.forEach(k -> keys.put(k.entry(), k.hash()));
    List<ImageEntry> todo = missing.stream().map(Keyed::entry).toList();
    SkipListener collect = problem -> {
      todo.stream().filter(e -> e.location().equals(problem.location())).forEach(unreadable::add);
      skips.skipped(problem);
    };
    try (BatchStream batches = BatchStream.open(todo, decoder, BatchOptions.inOrder(options.batchSize()).withStrict(options.strict()), 0, collect)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next()) {
          float[] values = graph.features(batch.pixels());
          cache.putAll(batch.entries().stream().map(keys::get).toList(), FloatBuffer.wrap(values));
        }
      }
    }
    return unreadable;
  }

  /** {@code entries} in batches, in their order (the caller shuffles). */
  List<List<ImageEntry>> batches(List<ImageEntry> order, int batchSize) {
    List<List<ImageEntry>> batches = new ArrayList<>();
    for (int start = 0; start < order.size(); start += batchSize) {
      batches.add(order.subList(start, Math.min(order.size(), start + batchSize)));
    }
    return batches;
  }

  /** The features of {@code batch} as one tensor [n, feature dims...]; the caller closes it. */
  TFloat32 features(List<ImageEntry> batch) {
    int floats = cache.recordFloats();
    float[] values = new float[batch.size() * floats];
    FloatBuffer target = FloatBuffer.wrap(values);
    for (ImageEntry entry : batch) {
      cache.copyTo(hashes.get(entry), target);
    }
    long[] dims = featureShape.asArray().clone();
    dims[0] = batch.size();
    return TFloat32.tensorOf(Shape.of(dims), DataBuffers.of(values, true, false));
  }

  static TInt32 labels(List<ImageEntry> batch) {
    return TInt32.vectorOf(batch.stream().mapToInt(ImageEntry::label).toArray());
  }
}
