package org.finetune.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.finetune.error.FineTuneException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The batches of one epoch over a split, decoded by worker threads while the consumer works on
 * earlier batches. At most {@link #BATCHES_AHEAD} batches are decoded ahead, which bounds memory.
 * Batches come in a fixed order: shuffled by (seed, epoch), or the split's order.
 *
 * <p>An unreadable image is reported to the {@link SkipListener} and left out, so its batch is
 * one smaller; in strict mode it fails the stream instead. A training stream ({@link
 * BatchOptions#requireEveryClass()}) also fails when the last image of a class turns out unreadable
 * and none of that class was readable. Close the stream to stop the workers,
 * also when stopping early; closing waits until no worker uses the decoder any more. One thread
 * takes the batches; the stream itself is not for sharing between consumers.
 */
public final class BatchStream implements Iterator<Batch>, AutoCloseable {

  /** Batches in flight besides the one being handed out: enough to keep the workers busy. */
  public static final int BATCHES_AHEAD = 2;

  private static final AtomicInteger STREAMS = new AtomicInteger();

  private final List<ImageEntry> order;
  private final ImageDecoder decoder;
  private final BatchOptions options;
  private final SkipListener listener;
  private final ExecutorService workers;
  private final ClassCoverage coverage;
  private final ArrayDeque<PendingBatch> pending = new ArrayDeque<>();
  private int nextStart;
  private int skipped;
  private Batch ready;
  private boolean closed;

  /**
   * A batch being decoded into its tensor: one future per image, holding its problem or null when
   * decoded. The tensor belongs to the stream until the batch is handed out.
   */
  private record PendingBatch(List<ImageEntry> entries, TFloat32 pixels, List<Future<UnreadableImageException>> results) {}

  private BatchStream(List<ImageEntry> order, ImageDecoder decoder, BatchOptions options, SkipListener listener) {
    this.order = order;
    this.decoder = decoder;
    this.options = options;
    this.listener = listener;
    this.coverage = options.requireEveryClass() ? new ClassCoverage(order) : null;
    this.workers = Executors.newFixedThreadPool(options.workers(), daemonThreads());
  }

  /**
   * Starts decoding epoch {@code epoch} (from 0) of {@code entries}.
   *
   * @param listener told of each skipped image; {@link SkipListener#IGNORE} to only count them
   */
  public static BatchStream open(
      List<ImageEntry> entries, ImageDecoder decoder, BatchOptions options, int epoch, SkipListener listener) {
    if (epoch < 0) {
      throw FineTuneException.badOption("epoch must not be negative, found " + epoch);
    }
    List<ImageEntry> order = options.shuffle() ? Shuffle.of(entries, options.seed(), epoch) : List.copyOf(entries);
    BatchStream stream = new BatchStream(order, decoder, options, listener);
    for (int i = 0; i <= BATCHES_AHEAD; i++) {
      stream.submitNextBatch();
    }
    return stream;
  }

  @Override
  public boolean hasNext() {
    while (ready == null && !pending.isEmpty()) {
      ready = finish(pending.removeFirst()); // null when every image of it was skipped
      submitNextBatch();
    }
    return ready != null;
  }

  /**
   * The next batch, waiting for its images if needed.
   *
   * @throws UnreadableImageException in strict mode, for the first unreadable image of the batch
   * @throws FineTuneException for a training stream, when a class has no readable image
   */
  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more batches in this epoch");
    }
    Batch batch = ready;
    ready = null;
    return batch;
  }

  /** Images left out so far because they could not be read. */
  public int skippedCount() {
    return skipped;
  }

  /** Number of batches this epoch has before skipping: ceil(images / batch size). */
  public int batchCount() {
    return (order.size() + options.batchSize() - 1) / options.batchSize();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    workers.shutdownNow();
    try {
      // A decode in progress cannot be interrupted; wait so nothing touches the decoder or a
      // batch tensor after this.
      workers.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pending.forEach(p -> p.pixels().close());
    pending.clear();
    if (ready != null) {
      ready.close();
      ready = null;
    }
  }

  /** Whether every worker thread has ended (after {@link #close()}). */
  boolean workersStopped() {
    return workers.isTerminated();
  }

  private void submitNextBatch() {
    if (closed || nextStart >= order.size()) {
      return;
    }
    int end = Math.min(order.size(), nextStart + options.batchSize());
    List<ImageEntry> entries = order.subList(nextStart, end);
    nextStart = end;
    TFloat32 pixels = TFloat32.tensorOf(shape(entries.size()));
    List<Future<UnreadableImageException>> results = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      ImageEntry entry = entries.get(i);
      int index = i;
      results.add(workers.submit(() -> decodeOne(entry, pixels, index)));
    }
    pending.addLast(new PendingBatch(entries, pixels, results));
  }

  private Shape shape(int images) {
    ImageSpec spec = decoder.spec();
    return Shape.of(images, spec.height(), spec.width(), spec.channels());
  }

  private UnreadableImageException decodeOne(ImageEntry entry, TFloat32 pixels, int index) {
    try {
      decoder.decodeInto(entry, pixels, index, options.augment() == null ? null : options.augment().of(entry));
      return null;
    } catch (UnreadableImageException e) {
      return e;
    }
  }

  /**
   * Waits for a batch's images and reports the unreadable ones. The batch keeps its tensor when
   * every image decoded; otherwise (rare) the readable images are copied into a smaller one.
   */
  private Batch finish(PendingBatch batch) {
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < batch.entries().size(); i++) {
      UnreadableImageException problem = await(batch.results().get(i));
      if (problem == null) {
        kept.add(i);
        if (coverage != null) {
          coverage.readable(batch.entries().get(i));
        }
      } else if (options.strict()) {
        closeWith(batch);
        throw problem;
      } else {
        skipped++;
        listener.skipped(problem);
        requireCoverage(batch, i, problem);
      }
    }
    List<ImageEntry> entries = kept.stream().map(batch.entries()::get).toList();
    if (kept.size() == batch.entries().size()) {
      return new Batch(decoder.spec(), batch.pixels(), entries);
    }
    try (TFloat32 all = batch.pixels()) {
      return kept.isEmpty() ? null : new Batch(decoder.spec(), compact(all, kept), entries);
    }
  }

  private void requireCoverage(PendingBatch batch, int index, UnreadableImageException problem) {
    if (coverage == null) {
      return;
    }
    try {
      coverage.unreadable(batch.entries().get(index), problem.reason());
    } catch (FineTuneException e) {
      closeWith(batch);
      throw e;
    }
  }

  /**
   * Closes the stream and then the tensor of a batch taken out of it: in that order, since workers
   * may still be decoding the batch's later images into the tensor until the stream has stopped them.
   */
  private void closeWith(PendingBatch batch) {
    close();
    batch.pixels().close();
  }

  /** The slots {@code kept} of {@code all}, in a tensor of their own. */
  private TFloat32 compact(TFloat32 all, List<Integer> kept) {
    long imageBytes = (long) decoder.spec().valuesPerImage() * Float.BYTES;
    TFloat32 packed = TFloat32.tensorOf(shape(kept.size()));
    for (int k = 0; k < kept.size(); k++) {
      all.asRawTensor().data().offset(kept.get(k) * imageBytes)
          .copyTo(packed.asRawTensor().data().offset(k * imageBytes), imageBytes);
    }
    return packed;
  }

  private UnreadableImageException await(Future<UnreadableImageException> result) {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new FineTuneException(FineTuneException.Kind.RUNTIME, "interrupted while waiting for decoded images", e);
    } catch (ExecutionException e) {
      close();
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new FineTuneException(FineTuneException.Kind.RUNTIME, "image decoding failed: " + cause, cause);
    }
  }

  private static ThreadFactory daemonThreads() {
    int stream = STREAMS.incrementAndGet();
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, "image-decoder-" + stream + "-" + count.incrementAndGet());
      thread.setDaemon(true); // never keeps the JVM alive if a caller forgets close()
      return thread;
    };
  }
}
