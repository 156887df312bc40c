package org.finetune.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/** The training order of an epoch: a Fisher-Yates shuffle fixed by (seed, epoch). */
public final class Shuffle {

  private Shuffle() {}

  public static List<ImageEntry> of(List<ImageEntry> entries, long seed, int epoch) {
    List<ImageEntry> order = new ArrayList<>(entries);
    SplittableRandom random = new SplittableRandom(mix(mix(seed) + 0x9E3779B97F4A7C15L * (epoch + 1L)));
    for (int i = order.size() - 1; i > 0; i--) {
      Collections.swap(order, i, random.nextInt(i + 1));
    }
    return List.copyOf(order);
  }

  /** Stafford's 64-bit mix, so nearby (seed, epoch) pairs give unrelated orders. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
