package org.finetune.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.finetune.error.FineTuneException;

/**
 * Feature records of one namespace in one directory, append-only:
 *
 * <ul>
 *   <li>{@code meta.txt}: the namespace's description and the record size; a directory whose meta
 *       disagrees is refused rather than misread;
 *   <li>{@code shard-N.bin}: records of {@code floats} little-endian float32 each, back to back, at
 *       most {@link #SHARD_BYTES} per shard (a memory map holds at most 2 GiB);
 *   <li>{@code index.bin}: 40-byte entries (32-byte SHA-256 of the image, shard, slot), appended
 *       after their record is written, so a crash leaves at worst records no entry points to.
 * </ul>
 *
 * Writers from several processes take a file lock and re-read the index; readers need none.
 * Shards are read memory-mapped: only the records a batch touches are paged in.
 */
public final class FeatureCache implements AutoCloseable {

  static final long SHARD_BYTES = 1L << 30;
  private static final int ENTRY_BYTES = 40;

  /** Where a record lives. */
  private record Slot(int shard, int index) {}

  private final Path dir;
  private final int floats;
  private final int recordBytes;
  private final int recordsPerShard;
  private final Map<String, Slot> index = new HashMap<>();
  private final List<MappedByteBuffer> maps = new ArrayList<>();
  private long indexBytesRead;

  private FeatureCache(Path dir, int floats, long shardBytes) {
    this.dir = dir;
    this.floats = floats;
    this.recordBytes = floats * 4;
    this.recordsPerShard = (int) Math.max(1, shardBytes / recordBytes);
  }

  /**
   * Opens (creating if needed) the cache of {@code namespace} below {@code root}.
   *
   * @param namespace what produced the features, e.g. the model's hash, cut layer, preprocessing
   *     and input size; its SHA-256 names the directory
   * @param floats the size of one record
   */
  public static FeatureCache open(Path root, String namespace, int floats) {
    return open(root, namespace, floats, SHARD_BYTES);
  }

  /** As {@link #open(Path, String, int)}, with shards of at most {@code shardBytes} (tests use small ones). */
  static FeatureCache open(Path root, String namespace, int floats, long shardBytes) {
    if (floats <= 0) {
      throw new IllegalArgumentException("a feature record needs at least one float, got " + floats);
    }
    Path dir = root.resolve(sha256Hex(namespace.getBytes(StandardCharsets.UTF_8)).substring(0, 32));
    try {
      Files.createDirectories(dir);
      checkMeta(dir, namespace, floats);
      FeatureCache cache = new FeatureCache(dir, floats, shardBytes);
      cache.readNewIndexEntries();
      return cache;
    } catch (IOException e) {
      throw new FineTuneException(
          FineTuneException.Kind.BAD_OPTION, "Cannot use the feature cache in " + dir + ": " + e.getMessage()
              + " (pass --no-cache, or another --cache-dir)", e);
    }
  }

  public Path directory() {
    return dir;
  }

  /** Floats per record. */
  public int recordFloats() {
    return floats;
  }

  public int size() {
    return index.size();
  }

  public boolean contains(byte[] imageHash) {
    return index.containsKey(key(imageHash));
  }

  /**
   * Appends records for the images not cached yet, under the directory's lock.
   *
   * @param hashes each image's SHA-256
   * @param features the records, {@code hashes.size() * recordFloats()} floats from position 0
   */
  public void putAll(List<byte[]> hashes, FloatBuffer features) {
    try (FileChannel lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockChannel.lock()) {
      readNewIndexEntries(); // another process may have added some meanwhile
      List<byte[]> written = new ArrayList<>();
      java.util.Set<String> writtenKeys = new java.util.HashSet<>();
      List<Slot> slots = new ArrayList<>();
      int next = nextFreeSlot();
      ShardWriter writer = new ShardWriter();
      try {
        for (int i = 0; i < hashes.size(); i++) {
          if (contains(hashes.get(i)) || !writtenKeys.add(key(hashes.get(i)))) {
            continue; // cached already, or the same image twice in this batch
          }
          Slot slot = new Slot(next / recordsPerShard, next % recordsPerShard);
          writer.write(slot, features, i);
          written.add(hashes.get(i));
          slots.add(slot);
          next++;
        }
      } finally {
        writer.close(); // flushes the records to disk before the index points at them
      }
      appendIndex(written, slots);
    } catch (IOException e) {
      throw new FineTuneException(
          FineTuneException.Kind.RUNTIME, "Cannot write to the feature cache in " + dir + ": " + e.getMessage()
              + " (pass --no-cache, or another --cache-dir)", e);
    }
  }

  /** Copies the record of {@code imageHash} into {@code target} at its position. */
  public void copyTo(byte[] imageHash, FloatBuffer target) {
    Slot slot = index.get(key(imageHash));
    if (slot == null) {
      throw new IllegalStateException("no cached features for " + key(imageHash));
    }
    ByteBuffer record = map(slot.shard(), (long) (slot.index() + 1) * recordBytes).duplicate();
    record.position(slot.index() * recordBytes).limit(slot.index() * recordBytes + recordBytes);
    target.put(record.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
  }

  /** Writes records into shard files, one open channel at a time, synced to disk on close. */
  private final class ShardWriter {
    private final ByteBuffer bytes = ByteBuffer.allocate(recordBytes).order(ByteOrder.LITTLE_ENDIAN);
    private FileChannel channel;
    private int shard = -1;

    void write(Slot slot, FloatBuffer features, int i) throws IOException {
      if (slot.shard() != shard) {
        close();
        channel = FileChannel.open(shardPath(slot.shard()), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        shard = slot.shard();
      }
      FloatBuffer source = features.duplicate();
      source.position(i * floats).limit(i * floats + floats);
      bytes.clear();
      bytes.asFloatBuffer().put(source);
      long at = (long) slot.index() * recordBytes;
      while (bytes.hasRemaining()) {
        at += channel.write(bytes, at);
      }
    }

    void close() throws IOException {
      if (channel != null) {
        channel.force(false);
        channel.close();
        channel = null;
      }
    }
  }

  private void appendIndex(List<byte[]> hashes, List<Slot> slots) throws IOException {
    if (hashes.isEmpty()) {
      return;
    }
    ByteBuffer entries = ByteBuffer.allocate(hashes.size() * ENTRY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < hashes.size(); i++) {
      entries.put(hashes.get(i)).putInt(slots.get(i).shard()).putInt(slots.get(i).index());
    }
    entries.flip();
    try (FileChannel out = FileChannel.open(dir.resolve("index.bin"), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      while (entries.hasRemaining()) {
        out.write(entries);
      }
      out.force(false);
    }
    readNewIndexEntries();
  }

  /** Reads the index entries appended since the last read; a torn last entry is ignored. */
  private void readNewIndexEntries() throws IOException {
    Path file = dir.resolve("index.bin");
    if (!Files.exists(file)) {
      return;
    }
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      long complete = in.size() / ENTRY_BYTES * ENTRY_BYTES;
      if (complete <= indexBytesRead) {
        return;
      }
      ByteBuffer entries = ByteBuffer.allocate((int) (complete - indexBytesRead)).order(ByteOrder.LITTLE_ENDIAN);
      while (entries.hasRemaining()) {
        if (in.read(entries, indexBytesRead + entries.position()) < 0) {
          break;
        }
      }
      entries.flip();
      byte[] hash = new byte[32];
      while (entries.remaining() >= ENTRY_BYTES) {
        entries.get(hash);
        index.put(key(hash), new Slot(entries.getInt(), entries.getInt()));
      }
      indexBytesRead = complete;
    }
  }

  private int nextFreeSlot() {
    int used = 0;
    for (Slot s : index.values()) {
      used = Math.max(used, s.shard() * recordsPerShard + s.index() + 1);
    }
    return used;
  }

  /** The shard mapped, at least {@code bytes} of it; mapped again when it has grown past the old map. */
  private MappedByteBuffer map(int shard, long bytes) {
    while (maps.size() <= shard) {
      maps.add(null);
    }
    MappedByteBuffer mapped = maps.get(shard);
    if (mapped == null || mapped.capacity() < bytes) {
      try (FileChannel channel = FileChannel.open(shardPath(shard), StandardOpenOption.READ)) {
        mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
        maps.set(shard, mapped);
      } catch (IOException e) {
        throw new FineTuneException(
            FineTuneException.Kind.RUNTIME, "Cannot read the feature cache shard " + shardPath(shard) + ": " + e.getMessage(), e);
      }
    }
    return mapped;
  }

  private Path shardPath(int shard) {
    return dir.resolve("shard-" + shard + ".bin");
  }

  private static void checkMeta(Path dir, String namespace, int floats) throws IOException {
    Path meta = dir.resolve("meta.txt");
    String expected = "format 1\nfloats " + floats + "\nnamespace " + namespace + "\n";
    if (!Files.exists(meta)) {
      Path tmp = Files.createTempFile(dir, ".meta-", ".txt");
      Files.writeString(tmp, expected);
      try {
        Files.move(tmp, meta, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        Files.deleteIfExists(tmp);
        if (!Files.exists(meta)) {
          throw e;
        }
      }
    }
    String found = Files.readString(meta);
    if (!found.equals(expected)) {
      throw new IOException("its meta.txt describes other features (" + found.lines().findFirst().orElse("") + " ...)");
    }
  }

  private static String key(byte[] hash) {
    return HexFormat.of().formatHex(hash);
  }

  /** SHA-256 of {@code bytes} as hex. */
  public static String sha256Hex(byte[] bytes) {
    return HexFormat.of().formatHex(sha256(bytes));
  }

  public static byte[] sha256(byte[] bytes) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  @Override
  public void close() {
    maps.clear(); // the maps go with the garbage collector; nothing else is held open
  }
}
