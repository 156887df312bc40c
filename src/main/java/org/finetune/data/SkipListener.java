package org.finetune.data;

/** Told about each image a {@link BatchStream} skips, on the thread that takes the batches. */
@FunctionalInterface
public interface SkipListener {

  /** Ignores skips; the stream still counts them. */
  SkipListener IGNORE = problem -> {};

  void skipped(UnreadableImageException problem);
}
