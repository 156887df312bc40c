package org.finetune.data;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Builds tar, tar.gz and zip archives with commons-compress, including hostile entries. */
final class TestArchives {

  private enum Type { FILE, DIR, SYMLINK, HARDLINK }

  private record Item(Type type, String name, byte[] content, String linkTarget) {}

  private final List<Item> items = new ArrayList<>();

  TestArchives file(String name, byte[] content) {
    items.add(new Item(Type.FILE, name, content, null));
    return this;
  }

  TestArchives dir(String name) {
    items.add(new Item(Type.DIR, name.endsWith("/") ? name : name + "/", new byte[0], null));
    return this;
  }

  TestArchives symlink(String name, String target) {
    items.add(new Item(Type.SYMLINK, name, new byte[0], target));
    return this;
  }

  TestArchives hardlink(String name, String target) {
    items.add(new Item(Type.HARDLINK, name, new byte[0], target));
    return this;
  }

  Path writeTarGz(Path file) {
    try (OutputStream out = Files.newOutputStream(file);
        GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out)) {
      writeTarTo(gz);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  Path writeTar(Path file) {
    try (OutputStream out = Files.newOutputStream(file)) {
      writeTarTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  Path writeZip(Path file) {
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(file)) {
      for (Item item : items) {
        ZipArchiveEntry entry = new ZipArchiveEntry(item.name());
        byte[] content = item.content();
        if (item.type() == Type.SYMLINK) {
          entry.setUnixMode(0120777); // S_IFLNK: the content is the link target
          content = item.linkTarget().getBytes(StandardCharsets.UTF_8);
        }
        zip.putArchiveEntry(entry);
        zip.write(content);
        zip.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private void writeTarTo(OutputStream out) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    for (Item item : items) {
      TarArchiveEntry entry =
          switch (item.type()) {
            case FILE, DIR -> new TarArchiveEntry(item.name(), true); // true: keep absolute names
            case SYMLINK -> link(item, TarConstants.LF_SYMLINK);
            case HARDLINK -> link(item, TarConstants.LF_LINK);
          };
      if (item.type() == Type.FILE) {
        entry.setSize(item.content().length);
      }
      tar.putArchiveEntry(entry);
      tar.write(item.content());
      tar.closeArchiveEntry();
    }
    tar.finish();
  }

  private static TarArchiveEntry link(Item item, byte type) {
    TarArchiveEntry entry = new TarArchiveEntry(item.name(), type);
    entry.setLinkName(item.linkTarget());
    return entry;
  }
}
