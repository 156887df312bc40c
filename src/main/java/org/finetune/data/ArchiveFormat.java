package org.finetune.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.ArchiveException;
import org.apache.commons.compress.archivers.ArchiveStreamFactory;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;

/**
 * The archive formats a data set may come in, told apart by their first bytes rather than the
 * file name, so that {@code data.tgz} that is really a zip still opens.
 */
enum ArchiveFormat {
  ZIP,
  TAR,
  TAR_GZIP;

  /** Enough for the gzip magic and a tar header, whose checksum detection verifies. */
  private static final int SNIFF_BYTES = 1024;

  static ArchiveFormat detect(Path file) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      in.mark(SNIFF_BYTES);
      byte[] head = in.readNBytes(SNIFF_BYTES);
      in.reset();
      if (GzipCompressorInputStream.matches(head, head.length)) {
        return TAR_GZIP;
      }
      return fromName(ArchiveStreamFactory.detect(in), file);
    } catch (ArchiveException e) {
      throw unsupported(file, "its content is not a zip, tar or gzip-compressed tar archive");
    } catch (IOException e) {
      throw new FineTuneException(FineTuneException.Kind.BAD_DATA, "cannot read data set " + file + ": " + IoErrors.describe(e), e);
    }
  }

  private static ArchiveFormat fromName(String detected, Path file) {
    return switch (detected) {
      case ArchiveStreamFactory.ZIP, ArchiveStreamFactory.JAR -> ZIP;
      case ArchiveStreamFactory.TAR -> TAR;
      default -> throw unsupported(file, "it is a " + detected + " archive, which is not supported");
    };
  }

  static FineTuneException unsupported(Path file, String found) {
    return FineTuneException.badData(
        "data set " + file + " is neither a folder nor a supported archive: " + found + "; expected "
            + Dataset.EXPECTED_LAYOUT);
  }
}
