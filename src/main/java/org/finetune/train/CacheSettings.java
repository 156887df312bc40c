package org.finetune.train;

import java.nio.file.Path;

/**
 * Whether and where to cache the frozen base's outputs.
 *
 * @param enabled false for {@code --no-cache}
 * @param directory the cache root
 * @param namespace what produces the features: the base's content hash, where it was cut, the
 *     preprocessing and the input size; features of another namespace are never mixed in
 */
public record CacheSettings(boolean enabled, Path directory, String namespace) {

  public static final CacheSettings OFF = new CacheSettings(false, null, null);

  public CacheSettings {
    if (enabled && (directory == null || namespace == null)) {
      throw new IllegalArgumentException("an enabled cache needs a directory and a namespace");
    }
  }

  /** {@code $XDG_CACHE_HOME/keras-finetune-java/features}, else {@code ~/.cache/keras-finetune-java/features}. */
  public static Path defaultDirectory() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("keras-finetune-java").resolve("features");
  }
}
