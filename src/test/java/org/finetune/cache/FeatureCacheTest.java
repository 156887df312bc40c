package org.finetune.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.finetune.error.FineTuneException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureCacheTest {

  @TempDir Path root;

  private static byte[] hash(int i) {
    return FeatureCache.sha256(("image " + i).getBytes(StandardCharsets.UTF_8));
  }

  private static FloatBuffer records(int from, int count, int floats) {
    float[] values = new float[count * floats];
    for (int i = 0; i < values.length; i++) {
      values[i] = from * 1000 + i;
    }
    return FloatBuffer.wrap(values);
  }

  private static float[] read(FeatureCache cache, int i) {
    float[] out = new float[cache.recordFloats()];
    cache.copyTo(hash(i), FloatBuffer.wrap(out));
    return out;
  }

  @Test
  void recordsSurviveReopeningAndSpanShards() {
    int floats = 5;
    try (FeatureCache cache = FeatureCache.open(root, "model a", floats, 3 * floats * 4)) { // 3 records a shard
      List<byte[]> hashes = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        hashes.add(hash(i));
      }
      cache.putAll(hashes, records(0, 7, floats));
      assertEquals(7, cache.size());
      assertArrayEquals(new float[] {30, 31, 32, 33, 34}, read(cache, 6));
    }
    try (FeatureCache again = FeatureCache.open(root, "model a", floats, 3 * floats * 4)) {
      assertEquals(7, again.size());
      assertArrayEquals(new float[] {5, 6, 7, 8, 9}, read(again, 1));
      assertTrue(again.contains(hash(4)));
      assertFalse(again.contains(hash(7)));
    }
  }

  @Test
  void knownImagesAreNotWrittenTwice() throws Exception {
    try (FeatureCache cache = FeatureCache.open(root, "m", 2)) {
      cache.putAll(List.of(hash(1), hash(2)), records(0, 2, 2));
      cache.putAll(List.of(hash(2), hash(3), hash(3)), records(5, 3, 2));
      assertEquals(3, cache.size());
      assertArrayEquals(new float[] {2, 3}, read(cache, 2), "the first record of image 2 stays");
      assertArrayEquals(new float[] {5002, 5003}, read(cache, 3));
      assertEquals(3 * 40, Files.size(cache.directory().resolve("index.bin")));
    }
  }

  @Test
  void twoWritersShareOneDirectory() {
    try (FeatureCache a = FeatureCache.open(root, "shared", 3); FeatureCache b = FeatureCache.open(root, "shared", 3)) {
      a.putAll(List.of(hash(1)), records(1, 1, 3));
      b.putAll(List.of(hash(2)), records(2, 1, 3)); // b reads a's entry under the lock and takes the next slot
      try (FeatureCache c = FeatureCache.open(root, "shared", 3)) {
        assertArrayEquals(new float[] {1000, 1001, 1002}, read(c, 1));
        assertArrayEquals(new float[] {2000, 2001, 2002}, read(c, 2));
      }
    }
  }

  @Test
  void aTornIndexEntryIsIgnored() throws Exception {
    Path dir;
    try (FeatureCache cache = FeatureCache.open(root, "m", 2)) {
      cache.putAll(List.of(hash(1)), records(0, 1, 2));
      dir = cache.directory();
    }
    Files.write(dir.resolve("index.bin"), new byte[17], StandardOpenOption.APPEND); // a crash mid-append
    try (FeatureCache cache = FeatureCache.open(root, "m", 2)) {
      assertEquals(1, cache.size());
      assertArrayEquals(new float[] {0, 1}, read(cache, 1));
    }
  }

  @Test
  void namespacesGetTheirOwnDirectoriesAndAMismatchIsRefused() throws Exception {
    Path a;
    try (FeatureCache x = FeatureCache.open(root, "model a\ncut b", 4); FeatureCache y = FeatureCache.open(root, "model a\ncut c", 4)) {
      a = x.directory();
      assertFalse(x.directory().equals(y.directory()));
    }
    try (Stream<Path> dirs = Files.list(root)) {
      assertEquals(2, dirs.count());
    }
    Files.writeString(a.resolve("meta.txt"), "format 1\nfloats 9\nnamespace something else\n");
    FineTuneException e = assertThrows(FineTuneException.class, () -> FeatureCache.open(root, "model a\ncut b", 4));
    assertTrue(e.getMessage().startsWith("Cannot use the feature cache in " + a + ": its meta.txt describes other features"), e.getMessage());
  }
}
