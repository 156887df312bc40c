package org.finetune.data;

import org.finetune.error.FineTuneException;

/**
 * How a {@link BatchStream} cuts and orders a split.
 *
 * @param batchSize images per batch; the last batch of an epoch may hold fewer
 * @param shuffle whether to shuffle by (seed, epoch): yes for training, no for validation and test
 * @param seed the shuffle seed; with the epoch number it fixes the order completely
 * @param workers decoding threads
 * @param strict whether an unreadable image fails the stream instead of being skipped
 */
public record BatchOptions(int batchSize, boolean shuffle, long seed, int workers, boolean strict) {

  public BatchOptions {
    if (batchSize < 1) {
      throw FineTuneException.badOption("batch size must be at least 1, found " + batchSize);
    }
    if (workers < 1) {
      throw FineTuneException.badOption("decoding workers must be at least 1, found " + workers);
    }
  }

  /** Training: shuffled anew each epoch, one worker per processor, unreadable images skipped. */
  public static BatchOptions shuffled(int batchSize, long seed) {
    return new BatchOptions(batchSize, true, seed, defaultWorkers(), false);
  }

  /** Validation and test: data set order, one worker per processor, unreadable images skipped. */
  public static BatchOptions inOrder(int batchSize) {
    return new BatchOptions(batchSize, false, 0L, defaultWorkers(), false);
  }

  public BatchOptions withWorkers(int count) {
    return new BatchOptions(batchSize, shuffle, seed, count, strict);
  }

  public BatchOptions withStrict(boolean failOnUnreadable) {
    return new BatchOptions(batchSize, shuffle, seed, workers, failOnUnreadable);
  }

  static int defaultWorkers() {
    return Runtime.getRuntime().availableProcessors();
  }
}
