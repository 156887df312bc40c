package org.finetune.data;

import java.nio.FloatBuffer;
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

/**
 * The batches of one epoch over a split, decoded by worker threads while the consumer works on
 * earlier batches. At most {@link #BATCHES_AHEAD} batches are decoded ahead, which bounds memory.
 * Batches come in a fixed order: shuffled by (seed, epoch), or the split's order.
 *
 * <p>An unreadable image is reported to the {@link SkipListener} and left out, so its batch is
 * one smaller; in strict mode it fails the stream instead. Close the stream to stop the workers,
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
  private final ArrayDeque<PendingBatch> pending = new ArrayDeque<>();
  private int nextStart;
  private int skipped;
  private Batch ready;
  private boolean closed;

  /** A batch being decoded: one future per image, holding its problem or null when decoded. */
  private record PendingBatch(List<ImageEntry> entries, float[] pixels, List<Future<UnreadableImageException>> results) {}

  private BatchStream(List<ImageEntry> order, ImageDecoder decoder, BatchOptions options, SkipListener listener) {
    this.order = order;
    this.decoder = decoder;
    this.options = options;
    this.listener = listener;
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
    pending.clear();
    workers.shutdownNow();
    try {
      // A decode in progress cannot be interrupted; wait so nothing touches the decoder after this.
      workers.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
    int values = decoder.spec().valuesPerImage();
    float[] pixels = new float[entries.size() * values];
    FloatBuffer target = FloatBuffer.wrap(pixels);
    List<Future<UnreadableImageException>> results = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      ImageEntry entry = entries.get(i);
      int offset = i * values;
      results.add(workers.submit(() -> decodeOne(entry, target, offset)));
    }
    pending.addLast(new PendingBatch(entries, pixels, results));
  }

  private UnreadableImageException decodeOne(ImageEntry entry, FloatBuffer target, int offset) {
    try {
      decoder.decodeInto(entry, target, offset);
      return null;
    } catch (UnreadableImageException e) {
      return e;
    }
  }

  /** Waits for a batch's images, reports the unreadable ones, and packs the rest together. */
  private Batch finish(PendingBatch batch) {
    int values = decoder.spec().valuesPerImage();
    List<ImageEntry> kept = new ArrayList<>();
    for (int i = 0; i < batch.entries().size(); i++) {
      UnreadableImageException problem = await(batch.results().get(i));
      if (problem == null) {
        System.arraycopy(batch.pixels(), i * values, batch.pixels(), kept.size() * values, values);
        kept.add(batch.entries().get(i));
      } else if (options.strict()) {
        close();
        throw problem;
      } else {
        skipped++;
        listener.skipped(problem);
      }
    }
    if (kept.isEmpty()) {
      return null;
    }
    return new Batch(decoder.spec(), batch.pixels(), kept);
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
