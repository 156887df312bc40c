package org.finetune.data;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;

/**
 * Reads a multi-label data set: a CSV file with one row per image, {@code path,label1;label2},
 * the path relative to the data folder. Every problem is one line naming {@code file:line}.
 *
 * <ul>
 *   <li>UTF-8; fields separated by one comma, no quoting (a path may not hold a comma);
 *       whitespace around a field, a path or a label name is ignored; blank lines are skipped;
 *   <li>an optional header row {@code path,labels} on the first line;
 *   <li>labels separated by {@code ;}; an empty second field (or none at all: {@code path,}) is an
 *       image with no labels, which trains every output towards 0;
 *   <li>paths are '/'-separated, relative to the data folder, and may not leave it (no absolute
 *       paths, no {@code ..} past it); each file must exist and be listed once.
 * </ul>
 *
 * The label names, sorted as Python sorts strings, give the model's output order.
 */
public final class LabelCsv {

  /** The row format, as messages name it. */
  public static final String FORMAT = "'path,label1;label2' (the image's path relative to the data folder,"
      + " a comma, then its labels separated by ';')";

  private LabelCsv() {}

  /** One row as read: where it was, its path and label names. */
  private record Row(int line, String path, List<String> labels) {}

  /**
   * Reads {@code csv} and checks every listed file against {@code dataDir}.
   *
   * @throws FineTuneException of kind BAD_DATA naming the file and line of the first problem
   */
  public static MultiLabelDataset read(Path csv, Path dataDir) {
    return read(csv, dataDir, null);
  }

  /**
   * As {@link #read(Path, Path)} for a further data set (a test set) whose labels must be among
   * {@code knownLabels} (the training labels), which stay its label names and order.
   */
  public static MultiLabelDataset read(Path csv, Path dataDir, List<String> knownLabels) {
    if (!Files.exists(csv)) {
      throw FineTuneException.badData("label file " + csv + " does not exist; expected a CSV of rows " + FORMAT);
    }
    if (!Files.isRegularFile(csv)) {
      throw FineTuneException.badData("label file " + csv + " is not a regular file; expected a CSV of rows " + FORMAT);
    }
    if (!Files.isDirectory(dataDir)) {
      throw FineTuneException.badData(
          "--labels needs --data to be the folder the CSV's paths are relative to; " + dataDir
              + (Files.exists(dataDir) ? " is not a folder (archives are not supported with --labels)" : " does not exist"));
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw FineTuneException.badData("label file " + csv + " is not UTF-8 text; expected a CSV of rows " + FORMAT);
    } catch (IOException e) {
      throw FineTuneException.badData("cannot read label file " + csv + ": " + IoErrors.describe(e));
    }
    List<Row> rows = parse(csv, lines);
    return build(csv, dataDir, rows, knownLabels);
  }

  private static List<Row> parse(Path csv, List<String> lines) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      int line = i + 1;
      String text = i == 0 && lines.get(i).startsWith("\uFEFF") ? lines.get(i).substring(1) : lines.get(i);
      if (text.isBlank()) {
        continue;
      }
      String[] fields = text.split(",", -1);
      if (fields.length != 2) {
        throw bad(csv, line, "expected 2 fields separated by one comma, " + FORMAT + ", found " + fields.length
            + (fields.length == 1 ? " (no comma)" : " (" + (fields.length - 1) + " commas)"));
      }
      String path = fields[0].strip();
      String labelField = fields[1].strip();
      if (rows.isEmpty() && line == firstContentLine(lines) && path.equalsIgnoreCase("path") && labelField.equalsIgnoreCase("labels")) {
        continue; // the optional header
      }
      if (path.isEmpty()) {
        throw bad(csv, line, "the path is empty; expected " + FORMAT);
      }
      List<String> labels = new ArrayList<>();
      if (!labelField.isEmpty()) {
        for (String name : labelField.split(";", -1)) {
          String label = name.strip();
          if (label.isEmpty()) {
            throw bad(csv, line, "empty label name in '" + labelField + "'; expected label names separated by ';'");
          }
          if (labels.contains(label)) {
            throw bad(csv, line, "label '" + label + "' is given twice for " + path);
          }
          labels.add(label);
        }
      }
      rows.add(new Row(line, path, labels));
    }
    return rows;
  }

  private static int firstContentLine(List<String> lines) {
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).isBlank() && !lines.get(i).strip().equals("\uFEFF")) {
        return i + 1;
      }
    }
    return -1;
  }

  private static MultiLabelDataset build(Path csv, Path dataDir, List<Row> rows, List<String> knownLabels) {
    if (rows.isEmpty()) {
      throw FineTuneException.badData("label file " + csv + " lists no images; expected rows " + FORMAT);
    }
    List<String> labelNames;
    if (knownLabels != null) {
      labelNames = List.copyOf(knownLabels);
      for (Row row : rows) {
        for (String label : row.labels()) {
          if (!labelNames.contains(label)) {
            throw bad(csv, row.line(), "label '" + label + "' is not one of the training labels " + labelNames);
          }
        }
      }
    } else {
      TreeSet<String> names = new TreeSet<>(EntryNames.PYTHON_ORDER);
      rows.forEach(r -> names.addAll(r.labels()));
      if (names.isEmpty()) {
        throw FineTuneException.badData("label file " + csv + " gives no image a label; a multi-label model needs at least one label");
      }
      labelNames = List.copyOf(names);
    }
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < labelNames.size(); i++) {
      index.put(labelNames.get(i), i);
    }
    Path root = dataDir.toAbsolutePath().normalize();
    Map<String, Integer> seen = new HashMap<>();
    List<ImageEntry> entries = new ArrayList<>();
    for (Row row : rows) {
      String path = row.path().replace('\\', '/');
      Path file;
      try {
        file = root.resolve(path).normalize();
      } catch (java.nio.file.InvalidPathException e) {
        throw bad(csv, row.line(), "'" + row.path() + "' is not a valid path");
      }
      if (path.startsWith("/") || Path.of(path).isAbsolute() || !file.startsWith(root) || file.equals(root)) {
        throw bad(csv, row.line(), "path '" + row.path() + "' leaves the data folder " + dataDir
            + "; paths must be relative to it and stay inside it");
      }
      String key = root.relativize(file).toString().replace('\\', '/');
      Integer first = seen.putIfAbsent(key, row.line());
      if (first != null) {
        throw bad(csv, row.line(), "'" + row.path() + "' is listed twice (first on line " + first + "); list each image once with all its labels");
      }
      if (!Files.isRegularFile(file)) {
        throw bad(csv, row.line(), "'" + row.path() + "' "
            + (Files.exists(file) ? "is not a regular file" : "does not exist") + " in " + dataDir);
      }
      List<Integer> set = row.labels().stream().map(index::get).sorted().toList();
      entries.add(ImageEntry.multiLabel(key, file.toString(), new ImageContent.OnDisk(file), set));
    }
    return new MultiLabelDataset(csv.toString(), labelNames, entries);
  }

  private static FineTuneException bad(Path csv, int line, String what) {
    return FineTuneException.badData(csv + ":" + line + ": " + what);
  }
}
