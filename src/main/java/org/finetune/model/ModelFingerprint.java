package org.finetune.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.finetune.error.FineTuneException;

/**
 * A SHA-256 that identifies a SavedModel directory by content: over every regular file, in order
 * of relative path, the path (with '/' separators), a zero byte, the file's bytes. Renaming or
 * copying the directory keeps the hash; changing any file changes it.
 */
public final class ModelFingerprint {

  private ModelFingerprint() {}

  public static String sha256(Path directory) {
    try (Stream<Path> walk = Files.walk(directory)) {
      List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (Path file : files) {
        String relative = directory.relativize(file).toString().replace('\\', '/');
        digest.update(relative.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        try (InputStream in = Files.newInputStream(file)) {
          for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
          }
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw FineTuneException.badModel("Cannot read " + directory + " to fingerprint it: " + e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
