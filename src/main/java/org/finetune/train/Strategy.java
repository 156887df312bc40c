package org.finetune.train;

import java.util.Arrays;
import java.util.Locale;
import org.finetune.error.FineTuneException;

/**
 * The four transfer-learning cases of the reference tutorial, by the size of the new data set and
 * its similarity to the data the base was trained on.
 */
public enum Strategy {
  /** Small and similar: train the head on the frozen base (feature extraction). */
  FREEZE,
  /** Small and different: keep the base up to an earlier, more generic layer; train the head on it. */
  CUT,
  /** Large and similar: train the head, then also the base's top layers at a lower learning rate. */
  UNFREEZE,
  /** Large and different: train the head, then the whole base at a lower learning rate. */
  FULL;

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether training has a second phase that trains base layers too. */
  public boolean finetunesBase() {
    return this == UNFREEZE || this == FULL;
  }

  public static Strategy parse(String name) {
    for (Strategy s : values()) {
      if (s.cliName().equalsIgnoreCase(name)) {
        return s;
      }
    }
    throw FineTuneException.badOption(
        "Unknown strategy '" + name + "'; expected one of " + Arrays.stream(values()).map(Strategy::cliName).toList());
  }
}
