package org.finetune.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * Where a zip's central directory starts, read from its end records before anything else, so that
 * an archive can be refused before a zip reader loads every entry of its directory into memory.
 * The entry count the end record declares can lie; the directory's extent cannot, since a reader
 * walks entries from its start until the data stops looking like directory entries, at most to the
 * end of the file, and each entry takes at least {@link #MIN_ENTRY_BYTES}.
 */
final class ZipCentralDirectory {

  /** The fixed part of a central directory entry: the least an entry can take. */
  static final int MIN_ENTRY_BYTES = 46;

  private static final int EOCD_SIGNATURE = 0x06054b50;
  private static final int EOCD_BYTES = 22;
  private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
  private static final int ZIP64_LOCATOR_BYTES = 20;
  private static final int ZIP64_EOCD_SIGNATURE = 0x06064b50;
  private static final int MAX_COMMENT = 0xFFFF;

  private ZipCentralDirectory() {}

  /**
   * The bytes from the start of the central directory to the end of the file, or empty when the
   * end records cannot be found or point outside the file (the zip reader then reports the damage).
   */
  static OptionalLong extent(Path zip) throws IOException {
    try (FileChannel channel = FileChannel.open(zip, StandardOpenOption.READ)) {
      long size = channel.size();
      int tail = (int) Math.min(size, EOCD_BYTES + MAX_COMMENT);
      ByteBuffer end = read(channel, size - tail, tail);
      for (int at = tail - EOCD_BYTES; at >= 0; at--) {
        if (end.getInt(at) == EOCD_SIGNATURE) {
          long eocd = size - tail + at;
          long start = Integer.toUnsignedLong(end.getInt(at + 16));
          if (start == 0xFFFFFFFFL) {
            start = zip64Start(channel, eocd);
          }
          return start >= 0 && start <= eocd ? OptionalLong.of(size - start) : OptionalLong.empty();
        }
      }
      return OptionalLong.empty();
    }
  }

  /** The directory's start from the ZIP64 records before the end record, or -1. */
  private static long zip64Start(FileChannel channel, long eocd) throws IOException {
    if (eocd < ZIP64_LOCATOR_BYTES) {
      return -1;
    }
    ByteBuffer locator = read(channel, eocd - ZIP64_LOCATOR_BYTES, ZIP64_LOCATOR_BYTES);
    if (locator.getInt(0) != ZIP64_LOCATOR_SIGNATURE) {
      return -1;
    }
    long record = locator.getLong(8);
    if (record < 0 || record > eocd - 56) {
      return -1;
    }
    ByteBuffer zip64 = read(channel, record, 56);
    return zip64.getInt(0) == ZIP64_EOCD_SIGNATURE ? zip64.getLong(48) : -1;
  }

  private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        break;
      }
    }
    return buffer;
  }
}
