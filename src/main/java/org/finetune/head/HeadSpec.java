package org.finetune.head;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.finetune.error.FineTuneException;
import org.finetune.error.IoErrors;

/**
 * Reads a head structure from JSON or from one line, and writes it back as JSON.
 *
 * <p>JSON (the form {@code finetune.json} records):
 *
 * <pre>{@code
 * {"pooling": "global_avg",
 *  "layers": [{"type": "dense", "units": 256, "activation": "relu"},
 *             {"type": "batch_norm"},
 *             {"type": "dropout", "rate": 0.3}],
 *  "l2": 0.0001, "label_smoothing": 0.1}
 * }</pre>
 *
 * <p>One line (the {@code --head} option): {@code global_avg,dense(256,relu),batch_norm,dropout(0.3)};
 * the first item is the pooling. L2 and label smoothing are options of their own there.
 *
 * <p>Errors name the field ({@code layers[1].units}) or the item, and what was expected.
 */
public final class HeadSpec {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TOP_FIELDS = Set.of("pooling", "layers", "l2", "label_smoothing");
  private static final Pattern ITEM = Pattern.compile("\\s*([a-z_0-9]+)\\s*(?:\\((.*)\\))?\\s*");

  private HeadSpec() {}

  /** Parses the JSON form; {@code source} names where it came from, for messages. */
  public static HeadConfig fromJson(String json, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw bad(source, "is not valid JSON" + where + ": " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw bad(source, "must be a JSON object with \"pooling\" and \"layers\", found " + describe(root));
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!TOP_FIELDS.contains(name)) {
        throw bad(source, "has an unknown field \"" + name + "\"; expected " + List.of("pooling", "layers", "l2", "label_smoothing"));
      }
    }
    Pooling pooling = poolingField(root.get("pooling"), source);
    JsonNode layersNode = root.get("layers");
    if (layersNode == null || !layersNode.isArray()) {
      throw bad(source, "field \"layers\" must be an array of layers (empty for none), found " + describe(layersNode));
    }
    List<HeadLayer> layers = new ArrayList<>();
    for (int i = 0; i < layersNode.size(); i++) {
      layers.add(layer(layersNode.get(i), "layers[" + i + "]", source));
    }
    double l2 = number(root, "l2", 0, source);
    double smoothing = number(root, "label_smoothing", 0, source);
    return build(source, () -> new HeadConfig(pooling, layers, l2, smoothing));
  }

  /** Reads the JSON form from a file. */
  public static HeadConfig fromFile(Path file) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw FineTuneException.badOption("Cannot read the head spec " + file + ": " + IoErrors.describe(e));
    }
    return fromJson(json, "head spec " + file);
  }

  /** Parses the one-line form: the pooling, then the hidden layers, comma-separated. */
  public static HeadConfig fromLine(String line, double l2, double labelSmoothing) {
    String source = "--head '" + line + "'";
    List<String> items = splitTopLevel(line);
    if (items.isEmpty() || items.get(0).isBlank()) {
      throw bad(source, "must start with the pooling: flatten, global_avg or global_max");
    }
    Pooling pooling = build(source + ": item 1", () -> Pooling.parse(items.get(0)));
    List<HeadLayer> layers = new ArrayList<>();
    for (int i = 1; i < items.size(); i++) {
      String item = items.get(i);
      String where = source + ": item " + (i + 1) + " '" + item.strip() + "'";
      layers.add(build(where, () -> lineLayer(item, where)));
    }
    return build(source, () -> new HeadConfig(pooling, layers, l2, labelSmoothing));
  }

  /** The JSON form of a head, field for field what {@link #fromJson} reads. */
  public static Map<String, Object> toJson(HeadConfig head) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("pooling", head.pooling().specName());
    json.put("layers", layersJson(head));
    json.put("l2", head.l2());
    json.put("label_smoothing", head.labelSmoothing());
    return json;
  }

  /** Each hidden layer as a JSON object: {@code {"type": "dense", "units": 256, "activation": "relu"}}. */
  public static List<Map<String, Object>> layersJson(HeadConfig head) {
    List<Map<String, Object>> layers = new ArrayList<>();
    for (HeadLayer layer : head.layers()) {
      Map<String, Object> l = new LinkedHashMap<>();
      if (layer instanceof HeadLayer.Dense d) {
        l.put("type", "dense");
        l.put("units", d.units());
        l.put("activation", d.activation().specName());
      } else if (layer instanceof HeadLayer.Dropout d) {
        l.put("type", "dropout");
        l.put("rate", d.rate());
      } else {
        l.put("type", "batch_norm");
      }
      layers.add(l);
    }
    return layers;
  }

  private static HeadLayer layer(JsonNode node, String field, String source) {
    if (node == null || !node.isObject()) {
      throw bad(source, field + " must be an object with a \"type\", found " + describe(node));
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      throw bad(source, field + ".type must be \"dense\", \"dropout\" or \"batch_norm\", found " + describe(type));
    }
    return switch (type.asText()) {
      case "dense" -> {
        allowOnly(node, field, source, "type", "units", "activation");
        JsonNode units = node.get("units");
        if (units == null || !units.canConvertToInt() || !units.isIntegralNumber() || units.asInt() < 1) {
          throw bad(source, field + ".units must be a whole number >= 1, found " + describe(units));
        }
        JsonNode activation = node.get("activation");
        if (activation != null && !activation.isTextual()) {
          throw bad(source, field + ".activation must be a name such as \"relu\", found " + describe(activation));
        }
        HeadLayer.Activation a = activation == null
            ? HeadLayer.Activation.RELU
            : build(source + ": " + field + ".activation", () -> HeadLayer.Activation.parse(activation.asText()));
        yield new HeadLayer.Dense(units.asInt(), a);
      }
      case "dropout" -> {
        allowOnly(node, field, source, "type", "rate");
        JsonNode rate = node.get("rate");
        if (rate == null || !rate.isNumber() || !(rate.asDouble() >= 0 && rate.asDouble() < 1)) {
          throw bad(source, field + ".rate must be a number in [0, 1), found " + describe(rate));
        }
        yield new HeadLayer.Dropout(rate.asDouble());
      }
      case "batch_norm" -> {
        allowOnly(node, field, source, "type");
        yield new HeadLayer.BatchNorm();
      }
      default -> throw bad(source, field + ".type must be \"dense\", \"dropout\" or \"batch_norm\", found \"" + type.asText() + "\"");
    };
  }

  private static void allowOnly(JsonNode node, String field, String source, String... allowed) {
    List<String> names = List.of(allowed);
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!names.contains(name)) {
        throw bad(source, field + " has an unknown field \"" + name + "\"; a " + node.get("type").asText()
            + " layer takes " + names);
      }
    }
  }

  private static Pooling poolingField(JsonNode node, String source) {
    if (node == null || !node.isTextual()) {
      throw bad(source, "field \"pooling\" must be \"flatten\", \"global_avg\" or \"global_max\", found " + describe(node));
    }
    return build(source + ": field \"pooling\"", () -> Pooling.parse(node.asText()));
  }

  private static double number(JsonNode root, String field, double otherwise, String source) {
    JsonNode node = root.get(field);
    if (node == null) {
      return otherwise;
    }
    if (!node.isNumber()) {
      throw bad(source, "field \"" + field + "\" must be a number, found " + describe(node));
    }
    return node.asDouble();
  }

  private static HeadLayer lineLayer(String item, String where) {
    Matcher m = ITEM.matcher(item);
    if (!m.matches()) {
      throw FineTuneException.badOption("expected dense(UNITS[,ACTIVATION]), dropout(RATE) or batch_norm");
    }
    String name = m.group(1);
    List<String> args = m.group(2) == null || m.group(2).isBlank() ? List.of() : List.of(m.group(2).split(",", -1));
    return switch (name) {
      case "dense" -> {
        if (args.isEmpty() || args.size() > 2) {
          throw FineTuneException.badOption("expected dense(UNITS) or dense(UNITS, ACTIVATION)");
        }
        int units = wholeNumber(args.get(0), "UNITS");
        yield new HeadLayer.Dense(units, args.size() == 2 ? HeadLayer.Activation.parse(args.get(1)) : HeadLayer.Activation.RELU);
      }
      case "dropout" -> {
        if (args.size() != 1) {
          throw FineTuneException.badOption("expected dropout(RATE) with RATE in [0, 1)");
        }
        yield new HeadLayer.Dropout(decimal(args.get(0), "RATE"));
      }
      case "batch_norm" -> {
        if (!args.isEmpty()) {
          throw FineTuneException.badOption("batch_norm takes no arguments");
        }
        yield new HeadLayer.BatchNorm();
      }
      default -> throw FineTuneException.badOption("unknown layer '" + name + "'; expected dense, dropout or batch_norm"
          + (name.equals("flatten") || name.startsWith("global_") ? " (the pooling comes first, once)" : ""));
    };
  }

  private static int wholeNumber(String text, String what) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw FineTuneException.badOption(what + " must be a whole number, found '" + text.strip() + "'");
    }
  }

  private static double decimal(String text, String what) {
    try {
      return Double.parseDouble(text.strip());
    } catch (NumberFormatException e) {
      throw FineTuneException.badOption(what + " must be a number, found '" + text.strip() + "'");
    }
  }

  /** Splits at commas outside parentheses: {@code flatten,dense(8,relu)} is two items. */
  private static List<String> splitTopLevel(String line) {
    List<String> items = new ArrayList<>();
    int depth = 0;
    StringBuilder item = new StringBuilder();
    for (char c : line.toCharArray()) {
      if (c == ',' && depth == 0) {
        items.add(item.toString());
        item.setLength(0);
        continue;
      }
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      item.append(c);
    }
    items.add(item.toString());
    return items;
  }

  private static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    String text = node.toString();
    return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
  }

  /** Runs a constructor or parser, putting {@code where} in front of its message. */
  private static <T> T build(String where, java.util.function.Supplier<T> make) {
    try {
      return make.get();
    } catch (FineTuneException e) {
      throw FineTuneException.badOption(where + ": " + e.getMessage());
    }
  }

  private static FineTuneException bad(String source, String problem) {
    return FineTuneException.badOption(source + " " + problem);
  }
}
