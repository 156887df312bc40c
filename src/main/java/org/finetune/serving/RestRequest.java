package org.finetune.serving;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.finetune.error.FineTuneException;
import org.finetune.model.TensorSpec;
import org.tensorflow.proto.DataType;

/**
 * A TF Serving REST predict request turned into input tensors, by the rules of TF Serving's
 * {@code json_tensor.cc} ({@code FillPredictRequestFromJson}): the row format ({@code instances}:
 * a list of instances, each a value or nested list for a one-input signature, or an object keyed
 * by input name) and the columnar format ({@code inputs}: a value or nested list, or an object
 * keyed by input name); {@code {"b64": "..."}} for binary strings; {@code signature_name}, by
 * default {@code serving_default}. Refusals carry TF Serving's error text and a line for people.
 * One check goes beyond TF Serving: each tensor's shape must fit the signature's (TF Serving passes
 * a misfit to the model, which may fail or, for a model that pools, answer for the wrong image
 * size).
 */
public record RestRequest(Format format, String signatureName, Map<String, HostTensor> inputs) {

  /** Row ({@code instances}, answered with {@code predictions}) or columnar ({@code inputs}, {@code outputs}). */
  public enum Format { ROW, COLUMNAR }

  public static final String DEFAULT_SIGNATURE = "serving_default";

  /** A refusal: TF Serving's message (without its status prefix), one line for people, the status code. */
  private static final class Bad extends Exception {
    final String serving;
    final String summary;
    final String code;

    Bad(String serving, String summary) {
      this(serving, summary, "INVALID_ARGUMENT");
    }

    Bad(String serving, String summary, String code) {
      super(serving, null, false, false);
      this.serving = serving;
      this.summary = summary;
      this.code = code;
    }

    /** TensorFlow's {@code Status::ToString()}. */
    String status() {
      return code + ": " + serving;
    }
  }

  /**
   * Parses {@code body} against the signatures of an export, each a map from input key to its
   * spec. Throws {@link RestRequestException} with TF Serving's error text when TF Serving would
   * refuse the request, or when a tensor does not fit its input's shape.
   */
  public static RestRequest parse(byte[] body, Map<String, Map<String, TensorSpec>> signatures) {
    try {
      return parseOrFail(body, signatures);
    } catch (Bad b) {
      throw new RestRequestException(FineTuneException.Kind.BAD_DATA, b.summary, b.serving);
    }
  }

  private static RestRequest parseOrFail(byte[] body, Map<String, Map<String, TensorSpec>> signatures) throws Bad {
    if (body.length == 0) {
      throw new Bad("JSON Parse error: The document is empty",
          "the request is empty; expected a JSON object with \"instances\" or \"inputs\"");
    }
    JsonValue doc;
    try {
      doc = JsonReader.parse(body);
    } catch (JsonReader.ParseError e) {
      throw new Bad("JSON Parse error: " + e.reason + " at offset: " + e.offset,
          "the request is not valid JSON: " + e.reason + " at line " + e.line + ", column " + e.column + " (offset " + e.offset + ")");
    }
    if (!doc.isObject()) {
      throw new Bad(formatError(doc, "Is not object"),
          "the request must be a JSON object with \"instances\" or \"inputs\", found " + doc.type().display);
    }
    String requested = "";
    JsonValue sig = doc.member("signature_name");
    if (sig != null) {
      if (!sig.isString()) {
        throw new Bad(formatError(doc, "not formatted correctly. 'signature_name' key must be a string value."),
            "\"signature_name\" must be a string, found " + sig.type().display);
      }
      requested = sig.string();
    }
    String name = requested.isEmpty() ? DEFAULT_SIGNATURE : requested;
    Map<String, TensorSpec> specs = signatures.get(name);
    if (specs == null) {
      throw new Bad("Serving signature name: \"" + name + "\" not found in signature def",
          "the export has no signature '" + name + "' (signature_name); it has " + new TreeSet<>(signatures.keySet()));
    }
    if (specs.isEmpty()) {
      throw new Bad("Failed to get input map for signature: " + (requested.isEmpty() ? "DEFAULT" : requested),
          "signature '" + name + "' takes no inputs");
    }
    specs = new TreeMap<>(specs);
    JsonValue instances = doc.member("instances");
    JsonValue columns = doc.member("inputs");
    Map<String, HostTensor> tensors;
    Format format;
    if (instances != null) {
      if (columns != null) {
        throw new Bad(formatError(doc, "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist "),
            "the request has both \"instances\" (row format) and \"inputs\" (columnar format); send exactly one of them");
      }
      if (!instances.isArray()) {
        throw new Bad(formatError(doc, "Excepting 'instances' to be an list/array"),
            "\"instances\" must be a list, one element per instance, found " + instances.type().display);
      }
      if (instances.items().isEmpty()) {
        throw new Bad(formatError(doc, "No values in 'instances' array"), "\"instances\" is an empty list; send at least one instance");
      }
      format = Format.ROW;
      tensors = fromInstances(instances.items(), specs);
    } else if (columns != null) {
      format = Format.COLUMNAR;
      tensors = fromInputs(columns, specs);
    } else {
      throw new Bad("Missing 'inputs' or 'instances' key",
          "the request has neither \"instances\" (row format) nor \"inputs\" (columnar format); send exactly one of them");
    }
    checkShapes(tensors, specs, format);
    return new RestRequest(format, name, tensors);
  }

  // --- the row format

  /** The values and shape of one input as instances add to it. */
  private static final class Column {
    final List<Object> values = new ArrayList<>();
    long[] itemShape;
    int itemSize = -1;
  }

  private static Map<String, HostTensor> fromInstances(List<JsonValue> list, Map<String, TensorSpec> specs) throws Bad {
    if (!list.get(0).isObject() && specs.size() > 1) {
      throw new Bad("instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map",
          "the signature takes " + specs.size() + " inputs " + specs.keySet() + ", so each instance must be an object keyed by input name");
    }
    boolean objects = isElementObject(list.get(0));
    Map<String, Column> columns = new TreeMap<>();
    for (int i = 0; i < list.size(); i++) {
      JsonValue element = list.get(i);
      if (objects) {
        if (!isElementObject(element)) {
          throw new Bad("Expecting object but got list at item " + i + " of input list",
              "instance " + i + " is a " + element.type().display + " but instance 0 is an object keyed by input name; instances must all be of one kind");
        }
        TreeSet<String> keys = new TreeSet<>();
        for (Map.Entry<String, JsonValue> member : element.members()) {
          keys.add(member.getKey());
          try {
            addInstanceItem(member.getValue(), member.getKey(), specs, columns);
          } catch (Bad b) {
            throw new Bad("Failed to process element: " + i + " key: " + member.getKey() + " of 'instances' list. Error: " + b.status(),
                "instance " + i + ", input '" + member.getKey() + "': " + b.summary);
          }
        }
        if (!keys.equals(specs.keySet())) {
          TreeSet<String> missing = new TreeSet<>(specs.keySet());
          missing.removeAll(keys);
          throw new Bad("Failed to process element: " + i + " of 'instances' list. JSON object: " + valueToString(element)
                  + " keys must be equal to: " + String.join(",", specs.keySet()),
              "instance " + i + " lacks input" + (missing.size() > 1 ? "s " : " ") + missing + "; each instance must name exactly the inputs " + specs.keySet());
        }
      } else {
        if (isElementObject(element)) {
          throw new Bad("Expecting value/list but got object at item " + i + " of input list",
              "instance " + i + " is an object but instance 0 is a value or list; instances must all be of one kind");
        }
        String name = specs.keySet().iterator().next();
        try {
          addInstanceItem(element, name, specs, columns);
        } catch (Bad b) {
          throw new Bad("Failed to process element: " + i + " of 'instances' list. Error: " + b.status(), "instance " + i + ": " + b.summary);
        }
      }
    }
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Column> c : columns.entrySet()) {
      long[] shape = new long[c.getValue().itemShape.length + 1];
      shape[0] = list.size();
      System.arraycopy(c.getValue().itemShape, 0, shape, 1, shape.length - 1);
      tensors.put(c.getKey(), tensor(specs.get(c.getKey()).dtype(), shape, c.getValue().values));
    }
    return tensors;
  }

  private static void addInstanceItem(JsonValue item, String name, Map<String, TensorSpec> specs, Map<String, Column> columns) throws Bad {
    TensorSpec spec = specs.get(name);
    if (spec == null) {
      throw new Bad("JSON object: does not have named input: " + name,
          "the signature has no input '" + name + "'; its inputs are " + specs.keySet());
    }
    Column column = columns.computeIfAbsent(name, n -> new Column());
    long[] shape = denseShape(item);
    int size = fill(item, 0, shape, spec.dtype(), column.values);
    if (column.itemSize < 0) {
      column.itemSize = size;
      column.itemShape = shape;
    } else if (column.itemSize != size) {
      throw new Bad("Expecting tensor size: " + column.itemSize + " but got: " + size,
          "ragged instances: this one has shape " + HostTensor.shapeString(shape) + " (" + size + " values) but instance 0 has "
              + HostTensor.shapeString(column.itemShape) + " (" + column.itemSize + " values)");
    } else if (!Arrays.equals(column.itemShape, shape)) {
      throw new Bad("Expecting shape " + HostTensor.shapeString(column.itemShape) + " but got: " + HostTensor.shapeString(shape),
          "ragged instances: this one has shape " + HostTensor.shapeString(shape) + " but instance 0 has " + HostTensor.shapeString(column.itemShape));
    }
  }

  private static boolean isElementObject(JsonValue v) {
    return v.isObject() && !isBase64Object(v);
  }

  // --- the columnar format

  private static Map<String, HostTensor> fromInputs(JsonValue value, Map<String, TensorSpec> specs) throws Bad {
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    if (!value.isObject() || isBase64Object(value)) {
      if (specs.size() > 1) {
        throw new Bad("inputs is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map",
            "the signature takes " + specs.size() + " inputs " + specs.keySet() + ", so \"inputs\" must be an object keyed by input name");
      }
      Map.Entry<String, TensorSpec> only = specs.entrySet().iterator().next();
      tensors.put(only.getKey(), columnTensor(value, only.getValue(), "\"inputs\""));
    } else {
      for (Map.Entry<String, TensorSpec> spec : specs.entrySet()) {
        JsonValue item = value.member(spec.getKey());
        if (item == null) {
          TreeSet<String> given = new TreeSet<>();
          value.members().forEach(m -> given.add(m.getKey()));
          throw new Bad("Missing named input: " + spec.getKey() + " in 'inputs' object.",
              "\"inputs\" has no input '" + spec.getKey() + "': it names " + given + ", the signature takes " + specs.keySet());
        }
        tensors.put(spec.getKey(), columnTensor(item, spec.getValue(), "\"inputs\" '" + spec.getKey() + "'"));
      }
    }
    return tensors;
  }

  private static HostTensor columnTensor(JsonValue value, TensorSpec spec, String where) throws Bad {
    long[] shape = denseShape(value);
    List<Object> values = new ArrayList<>();
    try {
      fill(value, 0, shape, spec.dtype(), values);
    } catch (Bad b) {
      throw new Bad(b.serving, where + ": " + b.summary, b.code);
    }
    return tensor(spec.dtype(), shape, values);
  }

  // --- values

  /** {@code GetDenseTensorShape}: the sizes of the first list at each level. */
  private static long[] denseShape(JsonValue v) {
    List<Long> dims = new ArrayList<>();
    while (v.isArray()) {
      dims.add((long) v.items().size());
      if (v.items().isEmpty()) {
        break;
      }
      v = v.items().get(0);
    }
    return dims.stream().mapToLong(Long::longValue).toArray();
  }

  /** {@code FillTensorProto}: checks the nesting against {@code shape} and adds the values; returns how many. */
  private static int fill(JsonValue v, int level, long[] shape, DataType dtype, List<Object> out) throws Bad {
    int rank = shape.length;
    if (!v.isArray()) {
      if (level != rank) {
        throw new Bad("JSON Value: " + valueToString(v) + " found at incorrect level: " + (level + 1) + " in the JSON DOM. Expected at level: " + rank,
            "ragged nesting: the value " + brief(v) + " is " + level + " lists deep where the first elements are " + rank + " deep");
      }
      out.add(v.isObject() ? (dtype == DataType.DT_STRING ? decodeBase64(v) : typeError(v, dtype)) : value(v, dtype));
      return 1;
    }
    if (level >= rank) {
      throw new Bad("Encountered list at unexpected level: " + level + " expected < " + rank,
          "ragged nesting: a list " + level + " lists deep where the first elements hold values at depth " + rank);
    }
    if (v.items().size() != shape[level]) {
      throw new Bad("Encountered list at unexpected size: " + v.items().size() + " at level: " + level + " expected size: " + shape[level],
          "ragged lists: a list of " + v.items().size() + " " + level + " lists deep where the first list there has " + shape[level]);
    }
    int count = 0;
    for (JsonValue item : v.items()) {
      count += fill(item, level + 1, shape, dtype, out);
    }
    return count;
  }

  /** {@code AddValueToTensor}. */
  private static Object value(JsonValue v, DataType dtype) throws Bad {
    switch (dtype) {
      case DT_FLOAT:
        if (!v.isNumber()) {
          return typeError(v, dtype);
        }
        if (!lossless(v, 24, Float.MAX_VALUE)) {
          throw lossy(v, "float");
        }
        return (float) v.number();
      case DT_DOUBLE:
        if (!v.isNumber()) {
          return typeError(v, dtype);
        }
        if (!lossless(v, 53, Double.MAX_VALUE)) {
          throw lossy(v, "double");
        }
        return v.number();
      case DT_INT32:
      case DT_UINT8:
        if (!v.isInt()) {
          return typeError(v, dtype);
        }
        return v.integer().intValue();
      case DT_STRING:
        if (!v.isString()) {
          return typeError(v, dtype);
        }
        return v.string().getBytes(StandardCharsets.UTF_8);
      case DT_INT64:
        if (!v.isInt64()) {
          return typeError(v, dtype);
        }
        return v.integer().longValue();
      case DT_BOOL:
        if (!v.isBool()) {
          return typeError(v, dtype);
        }
        return v.type() == JsonValue.Type.TRUE;
      default:
        throw new Bad("Conversion of JSON Value: " + valueToString(v) + " to type: " + dtypeString(dtype),
            "inputs of type " + dtypeString(dtype) + " are not supported", "UNIMPLEMENTED");
    }
  }

  /** {@code IsLosslessDecimal}: integers up to 2^digits - 1, decimals within the type's range. */
  private static boolean lossless(JsonValue v, int digits, double max) {
    if (!Double.isFinite(v.number())) {
      return true;
    }
    if (v.integer() != null) {
      return v.integer().abs().compareTo(java.math.BigInteger.ONE.shiftLeft(digits).subtract(java.math.BigInteger.ONE)) <= 0;
    }
    return v.number() <= max && v.number() >= -max;
  }

  private static Bad lossy(JsonValue v, String target) {
    return new Bad("Cannot convert JSON value: " + valueToString(v) + " to " + target + " without loss of precision.",
        brief(v) + " cannot be a " + target + " without loss of precision");
  }

  private static Object typeError(JsonValue v, DataType dtype) throws Bad {
    throw new Bad("JSON Value: " + valueToString(v) + " Type: " + v.type().display + " is not of expected type: " + dtypeString(dtype),
        brief(v) + " is a " + v.type().display + ", but the input takes " + dtypeString(dtype));
  }

  private static boolean isBase64Object(JsonValue v) {
    if (!v.isObject() || v.members().size() != 1) {
      return false;
    }
    JsonValue b64 = v.member("b64");
    return b64 != null && b64.isString();
  }

  private static byte[] decodeBase64(JsonValue v) throws Bad {
    if (!isBase64Object(v)) {
      throw new Bad("JSON Value: " + valueToString(v) + " not formatted correctly for base64 data",
          brief(v) + " is no {\"b64\": \"...\"} object (one key, b64, holding a string)");
    }
    try {
      return Base64.getDecoder().decode(v.member("b64").string());
    } catch (IllegalArgumentException e) {
      throw new Bad("Unable to base64 decode", "the b64 value " + brief(v.member("b64")) + " is not valid base64");
    }
  }

  private static HostTensor tensor(DataType dtype, long[] shape, List<Object> values) {
    int n = values.size();
    Object array;
    switch (dtype) {
      case DT_FLOAT -> {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
          a[i] = (Float) values.get(i);
        }
        array = a;
      }
      case DT_DOUBLE -> array = values.stream().mapToDouble(o -> (Double) o).toArray();
      case DT_INT32, DT_UINT8 -> array = values.stream().mapToInt(o -> (Integer) o).toArray();
      case DT_INT64 -> array = values.stream().mapToLong(o -> (Long) o).toArray();
      case DT_STRING -> array = values.toArray(new byte[0][]);
      case DT_BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = (Boolean) values.get(i);
        }
        array = a;
      }
      default -> throw new IllegalStateException("unsupported " + dtype); // value() refused it already
    }
    return new HostTensor(dtype, shape, array);
  }

  // --- the check TF Serving leaves to the model

  private static void checkShapes(Map<String, HostTensor> tensors, Map<String, TensorSpec> specs, Format format) throws Bad {
    for (Map.Entry<String, HostTensor> t : tensors.entrySet()) {
      long[] expected = specs.get(t.getKey()).shape();
      long[] found = t.getValue().shape();
      if (expected == null) {
        continue; // unknown rank: anything goes
      }
      boolean fits = expected.length == found.length;
      for (int d = 0; fits && d < expected.length; d++) {
        fits = expected[d] < 0 || expected[d] == found[d];
      }
      if (!fits) {
        String how = format == Format.ROW
            ? " (" + found[0] + (found[0] == 1 ? " instance" : " instances") + " of " + HostTensor.shapeString(Arrays.copyOfRange(found, 1, found.length)) + ")"
            : "";
        String message = "Input '" + t.getKey() + "' takes shape " + HostTensor.shapeString(expected) + " (-1: any size) of "
            + dtypeString(specs.get(t.getKey()).dtype()) + ", but the request gives " + HostTensor.shapeString(found) + how;
        throw new Bad(message, "wrong shape: " + Character.toLowerCase(message.charAt(0)) + message.substring(1));
      }
    }
  }

  // --- messages

  private static String formatError(JsonValue v, String text) {
    return "JSON Value: " + valueToString(v) + " " + text;
  }

  /** {@code JsonValueToString}: a top-level decimal printed as TF Serving prints floats, the rest by rapidjson. */
  static String valueToString(JsonValue v) {
    if (v.isFloat()) {
      return PrettyJson.decimal((float) v.number());
    }
    if (v.isDouble()) {
      return PrettyJson.decimal(v.number());
    }
    return PrettyJson.write(g -> PrettyJson.value(g, v));
  }

  /** A value on one line, cut short, for the line people read. */
  private static String brief(JsonValue v) {
    String s = valueToString(v).replaceAll("\\s*\n\\s*", " ");
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }

  /** TensorFlow's {@code DataTypeString}: DT_FLOAT is "float". */
  static String dtypeString(DataType dtype) {
    return switch (dtype) {
      case DT_FLOAT -> "float";
      case DT_DOUBLE -> "double";
      case DT_HALF -> "half";
      case DT_BFLOAT16 -> "bfloat16";
      default -> dtype.name().substring(3).toLowerCase(java.util.Locale.ROOT);
    };
  }
}
