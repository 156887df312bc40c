package org.finetune.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.finetune.error.FineTuneException;

/**
 * A data set divided into training and validation images.
 *
 * @param train the training images, in data set order
 * @param validation the validation images, in data set order; empty for fraction 0
 */
public record Split(List<ImageEntry> train, List<ImageEntry> validation) {

  /** 2^64, to map the first 8 bytes of a hash to [0, 1). */
  private static final double TWO_TO_64 = 0x1p64;

  public Split {
    train = List.copyOf(train);
    validation = List.copyOf(validation);
  }

  /**
   * Puts an image in validation when the hash fraction of its path is below {@code
   * validationFraction}. The side an image falls on depends on its own path only, so adding or
   * removing other images never moves it, and a folder and an archive of it split alike.
   */
  public static Split byPathHash(List<ImageEntry> entries, double validationFraction) {
    requireFraction(validationFraction);
    List<ImageEntry> train = new ArrayList<>();
    List<ImageEntry> validation = new ArrayList<>();
    for (ImageEntry entry : entries) {
      (hashFraction(entry.path()) < validationFraction ? validation : train).add(entry);
    }
    return new Split(train, validation);
  }

  /** The first 8 bytes of SHA-256 of the UTF-8 path, read as an unsigned fraction in [0, 1). */
  static double hashFraction(String path) {
    byte[] digest = sha256().digest(path.getBytes(StandardCharsets.UTF_8));
    long high = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (digest[i] & 0xFF);
    }
    // Unsigned: the top bit adds 2^63; doubles round the low bits, harmless for a fraction.
    double unsigned = (double) (high >>> 1) * 2.0 + (high & 1);
    return Math.min(unsigned / TWO_TO_64, Math.nextDown(1.0));
  }

  private static void requireFraction(double fraction) {
    if (!(fraction >= 0.0 && fraction < 1.0)) {
      throw FineTuneException.badOption(
          "validation fraction must be at least 0 and below 1, found " + fraction);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
