package org.finetune.head;

import java.util.Arrays;
import java.util.Locale;
import org.finetune.error.FineTuneException;

/** How the head turns the base's feature map [batch, h, w, c] into a feature vector. */
public enum Pooling {
  /** Keep every position: [batch, h * w * c]. The reference tutorial's choice. */
  FLATTEN,
  /** Global average over h and w: [batch, c]. */
  AVG,
  /** Global maximum over h and w: [batch, c]. */
  MAX;

  /** The name {@code --pooling} takes: flatten, avg or max. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The name in a head spec and in {@code finetune.json}: flatten, global_avg or global_max. */
  public String specName() {
    return this == FLATTEN ? "flatten" : "global_" + cliName();
  }

  /** Either name, in any case. */
  public static Pooling parse(String name) {
    for (Pooling p : values()) {
      if (p.cliName().equalsIgnoreCase(name.strip()) || p.specName().equalsIgnoreCase(name.strip())) {
        return p;
      }
    }
    throw FineTuneException.badOption(
        "Unknown pooling '" + name + "'; expected one of "
            + Arrays.stream(values()).map(Pooling::specName).toList());
  }
}
