package org.finetune.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The per-epoch metrics of a run, saved as JSON ({@code history.json}). */
public final class History {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final List<EpochMetrics> epochs = new ArrayList<>();

  History() {}

  /** A history that continues {@code earlier} (a resumed run). */
  History(List<EpochMetrics> earlier) {
    epochs.addAll(earlier);
  }

  void add(EpochMetrics metrics) {
    epochs.add(metrics);
  }

  public List<EpochMetrics> epochs() {
    return List.copyOf(epochs);
  }

  public Optional<EpochMetrics> last() {
    return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1));
  }

  /** The history as the JSON document {@link #write} saves. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(new Document(epochs));
    } catch (IOException e) {
      throw new IllegalStateException("history is plain data and always serialises", e);
    }
  }

  /**
   * Reads a history written by {@link #write} or {@link #toJson} (an export's {@code history.json}).
   *
   * @throws IOException when the file cannot be read or is not such a document
   */
  public static History read(Path file) throws IOException {
    Document document = JSON.readerFor(Document.class)
        .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .readValue(file.toFile());
    if (document.epochs() == null) {
      throw new IOException(file + " has no \"epochs\" list");
    }
    return new History(document.epochs());
  }

  /** Writes the history to {@code file} through a temporary file, so a crash never leaves half a file. */
  public void write(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".history-", ".json");
    try {
      JSON.writeValue(tmp.toFile(), new Document(epochs));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The file's shape: {"epochs": [...]}, open to more fields later. */
  record Document(List<EpochMetrics> epochs) {}
}
