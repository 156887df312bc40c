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
 * @param requireEveryClass whether a class whose images in the stream are all unreadable fails the
 *     stream (see {@link ClassCoverage}): yes for training, where such a class could never be
 *     learnt; no for validation and test
 * @param augment how each image is changed, for training with augmentation; null (never for
 *     validation and test) decodes the images as they are
 */
public record BatchOptions(
    int batchSize, boolean shuffle, long seed, int workers, boolean strict, boolean requireEveryClass, Augmentation.Draws augment) {

  public BatchOptions {
    if (batchSize < 1) {
      throw FineTuneException.badOption("batch size must be at least 1, found " + batchSize);
    }
    if (workers < 1) {
      throw FineTuneException.badOption("decoding workers must be at least 1, found " + workers);
    }
  }

  /**
   * Training: shuffled anew each epoch, one worker per processor, unreadable images skipped, but
   * every class must keep a readable image.
   */
  public static BatchOptions shuffled(int batchSize, long seed) {
    return new BatchOptions(batchSize, true, seed, defaultWorkers(), false, true, null);
  }

  /** Validation and test: data set order, one worker per processor, unreadable images skipped. */
  public static BatchOptions inOrder(int batchSize) {
    return new BatchOptions(batchSize, false, 0L, defaultWorkers(), false, false, null);
  }

  public BatchOptions withWorkers(int count) {
    return new BatchOptions(batchSize, shuffle, seed, count, strict, requireEveryClass, augment);
  }

  public BatchOptions withStrict(boolean failOnUnreadable) {
    return new BatchOptions(batchSize, shuffle, seed, workers, failOnUnreadable, requireEveryClass, augment);
  }

  public BatchOptions withRequireEveryClass(boolean require) {
    return new BatchOptions(batchSize, shuffle, seed, workers, strict, require, augment);
  }

  /**
   * Training images changed as {@code augmentation} draws them in epoch {@code epoch} of a run
   * seeded {@code seed}; unchanged when it is {@link Augmentation#NONE}.
   */
  public BatchOptions withAugmentation(Augmentation augmentation, long seed, int epoch) {
    Augmentation.Draws draws = augmentation.enabled() ? new Augmentation.Draws(augmentation, seed, epoch) : null;
    return new BatchOptions(batchSize, shuffle, this.seed, workers, strict, requireEveryClass, draws);
  }

  static int defaultWorkers() {
    return Runtime.getRuntime().availableProcessors();
  }
}
