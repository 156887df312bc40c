package org.finetune.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.finetune.model.TensorSpec;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;

/**
 * The request and response translation against TF Serving's rules (json_tensor.cc), without
 * TensorFlow: both formats, nesting, b64, float printing, and every refusal with TF Serving's text
 * and the line for people.
 */
class RestRequestTest {

  /** serving_default: images float [-1, 2, 2, 1]; multi: a float [-1, 2] and s string [-1]. */
  static final Map<String, Map<String, TensorSpec>> SIGNATURES = Map.of(
      "serving_default", Map.of("images", new TensorSpec("images", "x:0", DataType.DT_FLOAT, new long[] {-1, 2, 2, 1})),
      "multi", Map.of(
          "a", new TensorSpec("a", "a:0", DataType.DT_FLOAT, new long[] {-1, 2}),
          "s", new TensorSpec("s", "s:0", DataType.DT_STRING, new long[] {-1})),
      "ints", Map.of("n", new TensorSpec("n", "n:0", DataType.DT_INT64, null)),
      "strings", Map.of("s", new TensorSpec("s", "s:0", DataType.DT_STRING, new long[] {-1})));

  static final String IMAGE = "[[[1], [2]], [[3], [4.5]]]";

  static RestRequest parse(String json) {
    return RestRequest.parse(json.getBytes(StandardCharsets.UTF_8), SIGNATURES);
  }

  static RestRequestException fails(String json) {
    return assertThrows(RestRequestException.class, () -> parse(json));
  }

  static void refused(String json, String servingError, String summary) {
    RestRequestException e = fails(json);
    assertEquals(servingError, e.servingError());
    assertEquals(summary, e.getMessage());
  }

  // --- the row format

  @Test
  void rowFormatWithBareInstancesBatchesThem() {
    RestRequest r = parse("{\"instances\": [" + IMAGE + ", [[[5], [6]], [[7], [8]]]]}");
    assertEquals(RestRequest.Format.ROW, r.format());
    assertEquals("serving_default", r.signatureName());
    HostTensor t = r.inputs().get("images");
    assertArrayEquals(new long[] {2, 2, 2, 1}, t.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4.5f, 5, 6, 7, 8}, (float[]) t.values());
  }

  @Test
  void rowFormatWithNamedInstancesAndB64Strings() {
    RestRequest r = parse("{\"signature_name\": \"multi\", \"instances\": ["
        + "{\"a\": [1, 2], \"s\": {\"b64\": \"aGVsbG8=\"}}, {\"s\": \"plain\", \"a\": [3, 4]}]}");
    assertEquals("multi", r.signatureName());
    assertArrayEquals(new long[] {2, 2}, r.inputs().get("a").shape());
    assertArrayEquals(new float[] {1, 2, 3, 4}, (float[]) r.inputs().get("a").values());
    byte[][] s = (byte[][]) r.inputs().get("s").values();
    assertEquals("hello", new String(s[0], StandardCharsets.UTF_8));
    assertEquals("plain", new String(s[1], StandardCharsets.UTF_8));
  }

  @Test
  void anInstanceThatIsAB64ObjectIsAValueNotANamedInstance() {
    RestRequest r = parse("{\"signature_name\": \"strings\", \"instances\": [{\"b64\": \"AAE=\"}, {\"b64\": \"/w\"}]}");
    assertArrayEquals(new long[] {2}, r.inputs().get("s").shape());
    byte[][] s = (byte[][]) r.inputs().get("s").values();
    assertArrayEquals(new byte[] {0, 1}, s[0]);
    assertArrayEquals(new byte[] {(byte) 0xFF}, s[1]); // padding is optional, as for absl::Base64Unescape
  }

  @Test
  void unboundedShapesTakeAnyNesting() {
    RestRequest r = parse("{\"signature_name\": \"ints\", \"inputs\": [[1, -2, 9007199254740993]]}");
    assertArrayEquals(new long[] {1, 3}, r.inputs().get("n").shape());
    assertArrayEquals(new long[] {1, -2, 9007199254740993L}, (long[]) r.inputs().get("n").values());
    assertArrayEquals(new long[] {}, parse("{\"signature_name\": \"ints\", \"inputs\": 7}").inputs().get("n").shape());
  }

  // --- the columnar format

  @Test
  void columnarFormatBareAndNamed() {
    RestRequest bare = parse("{\"inputs\": [" + IMAGE + "]}");
    assertEquals(RestRequest.Format.COLUMNAR, bare.format());
    assertArrayEquals(new long[] {1, 2, 2, 1}, bare.inputs().get("images").shape());
    RestRequest named = parse("{\"inputs\": {\"images\": [" + IMAGE + ", " + IMAGE + "]}}");
    assertArrayEquals(new long[] {2, 2, 2, 1}, named.inputs().get("images").shape());
    assertArrayEquals(new float[] {1, 2, 3, 4.5f, 1, 2, 3, 4.5f}, (float[]) named.inputs().get("images").values());
    RestRequest multi = parse("{\"signature_name\": \"multi\", \"inputs\": {\"s\": [{\"b64\": \"/w==\"}], \"a\": [[0.25, -1e3]]}}");
    assertEquals(-1000f, ((float[]) multi.inputs().get("a").values())[1]);
    assertArrayEquals(new byte[] {(byte) 0xFF}, ((byte[][]) multi.inputs().get("s").values())[0]);
  }

  @Test
  void nanAndInfinityAreAcceptedAsRapidjsonWithNanAndInfDoes() {
    float[] v = (float[]) parse("{\"instances\": [[[[NaN], [Infinity]], [[-Infinity], [-0.0]]]]}").inputs().get("images").values();
    assertEquals(Float.NaN, v[0]);
    assertEquals(Float.POSITIVE_INFINITY, v[1]);
    assertEquals(Float.NEGATIVE_INFINITY, v[2]);
  }

  // --- refusals: the request as a whole

  @Test
  void emptyAndMalformedJsonGiveRapidjsonsMessageAndTheLineAndColumn() {
    refused("", "JSON Parse error: The document is empty",
        "the request is empty; expected a JSON object with \"instances\" or \"inputs\"");
    refused("  \n", "JSON Parse error: The document is empty. at offset: 3",
        "the request is not valid JSON: The document is empty. at line 2, column 1 (offset 3)");
    refused("{\"instances\": [1 2]}",
        "JSON Parse error: Unexpected character ('2' (code 50)): was expecting comma to separate Array entries at offset: 17",
        "the request is not valid JSON: Unexpected character ('2' (code 50)): was expecting comma to separate Array entries at line 1, column 18 (offset 17)");
    refused("{\n  \"instances\": [1],\n  \"x\" 2}",
        "JSON Parse error: Unexpected character ('2' (code 50)): was expecting a colon to separate field name and value at offset: 28",
        "the request is not valid JSON: Unexpected character ('2' (code 50)): was expecting a colon to separate field name and value at line 3, column 7 (offset 28)");
    assertEquals("JSON Parse error: Unrecognized token 'tru': was expecting (JSON String, Number (or 'NaN'/'+INF'/'-INF'), Array, Object or token 'null', 'true' or 'false') at offset: 18",
        fails("{\"instances\": tru}").servingError());
    assertEquals("JSON Parse error: Unexpected end-of-input in field name at offset: 11", fails("{\"instances").servingError());
    assertEquals("JSON Parse error: Unexpected character (']' (code 93)) in numeric value: Decimal point not followed by a digit at offset: 17",
        fails("{\"instances\": [1.]}").servingError());
    assertEquals("JSON Parse error: The document root must not be followed by other values. at offset: 3", fails("{} {}").servingError());
    assertEquals("JSON Parse error: Unexpected character (',' (code 44)): was expecting double-quote to start field name at offset: 1",
        fails("{,}").servingError());
    assertEquals("JSON Parse error: Number too big to be stored in double. at offset: 15", fails("{\"instances\": [1e999]}").servingError());
  }

  @Test
  void aRequestThatIsNoObject() {
    refused("[1, 2]", "JSON Value: [\n    1,\n    2\n] Is not object",
        "the request must be a JSON object with \"instances\" or \"inputs\", found Array");
  }

  @Test
  void bothOrNeitherOfInstancesAndInputs() {
    refused("{\"instances\": [1], \"inputs\": [1]}",
        "JSON Value: {\n    \"instances\": [\n        1\n    ],\n    \"inputs\": [\n        1\n    ]\n}"
            + " Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist ",
        "the request has both \"instances\" (row format) and \"inputs\" (columnar format); send exactly one of them");
    refused("{\"signature_name\": \"serving_default\"}", "Missing 'inputs' or 'instances' key",
        "the request has neither \"instances\" (row format) nor \"inputs\" (columnar format); send exactly one of them");
  }

  @Test
  void instancesMustBeANonEmptyList() {
    refused("{\"instances\": 3}", "JSON Value: {\n    \"instances\": 3\n} Excepting 'instances' to be an list/array",
        "\"instances\" must be a list, one element per instance, found Number");
    refused("{\"instances\": []}", "JSON Value: {\n    \"instances\": []\n} No values in 'instances' array",
        "\"instances\" is an empty list; send at least one instance");
  }

  @Test
  void signatureNameMustBeAKnownString() {
    refused("{\"signature_name\": \"predict\", \"instances\": [1]}", "Serving signature name: \"predict\" not found in signature def",
        "the export has no signature 'predict' (signature_name); it has [ints, multi, serving_default, strings]");
    refused("{\"signature_name\": 1, \"instances\": [1]}",
        "JSON Value: {\n    \"signature_name\": 1,\n    \"instances\": [\n        1\n    ]\n} not formatted correctly. 'signature_name' key must be a string value.",
        "\"signature_name\" must be a string, found Number");
  }

  // --- refusals: instances and inputs

  @Test
  void unknownInputNames() {
    refused("{\"signature_name\": \"multi\", \"instances\": [{\"a\": [1, 2], \"s\": \"x\", \"t\": 1}]}",
        "Failed to process element: 0 key: t of 'instances' list. Error: INVALID_ARGUMENT: JSON object: does not have named input: t",
        "instance 0, input 't': the signature has no input 't'; its inputs are [a, s]");
    refused("{\"signature_name\": \"multi\", \"instances\": [{\"a\": [1, 2]}]}",
        "Failed to process element: 0 of 'instances' list. JSON object: {\n    \"a\": [\n        1,\n        2\n    ]\n} keys must be equal to: a,s",
        "instance 0 lacks input [s]; each instance must name exactly the inputs [a, s]");
    refused("{\"inputs\": {\"image\": [1]}}", "Missing named input: images in 'inputs' object.",
        "\"inputs\" has no input 'images': it names [image], the signature takes [images]");
  }

  @Test
  void severalInputsNeedObjects() {
    refused("{\"signature_name\": \"multi\", \"instances\": [[1, 2]]}",
        "instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map",
        "the signature takes 2 inputs [a, s], so each instance must be an object keyed by input name");
    refused("{\"signature_name\": \"multi\", \"inputs\": [[1, 2]]}",
        "inputs is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map",
        "the signature takes 2 inputs [a, s], so \"inputs\" must be an object keyed by input name");
  }

  @Test
  void mixedInstances() {
    refused("{\"instances\": [" + IMAGE + ", {\"images\": " + IMAGE + "}]}",
        "Expecting value/list but got object at item 1 of input list",
        "instance 1 is an object but instance 0 is a value or list; instances must all be of one kind");
    refused("{\"instances\": [{\"images\": " + IMAGE + "}, " + IMAGE + "]}",
        "Expecting object but got list at item 1 of input list",
        "instance 1 is a Array but instance 0 is an object keyed by input name; instances must all be of one kind");
  }

  @Test
  void raggedInstances() {
    refused("{\"instances\": [" + IMAGE + ", [[[1], [2]]]]}",
        "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 4 but got: 2",
        "instance 1: ragged instances: this one has shape [1,2,1] (2 values) but instance 0 has [2,2,1] (4 values)");
    refused("{\"instances\": [" + IMAGE + ", [[[1, 2], [3, 4]]]]}",
        "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: Expecting shape [2,2,1] but got: [1,2,2]",
        "instance 1: ragged instances: this one has shape [1,2,2] but instance 0 has [2,2,1]");
  }

  @Test
  void raggedNestingWithinOneTensor() {
    refused("{\"instances\": [[[[1], [2]], [[3], [4], [5]]]]}",
        "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: Encountered list at unexpected size: 3 at level: 1 expected size: 2",
        "instance 0: ragged lists: a list of 3 1 lists deep where the first list there has 2");
    refused("{\"inputs\": [[[1], [2]], [3, [4]]]}",
        "JSON Value: 3 found at incorrect level: 3 in the JSON DOM. Expected at level: 3",
        "\"inputs\": ragged nesting: the value 3 is 2 lists deep where the first elements are 3 deep");
    refused("{\"inputs\": [[1, 2], [[3], 4]]}",
        "Encountered list at unexpected level: 2 expected < 2",
        "\"inputs\": ragged nesting: a list 2 lists deep where the first elements hold values at depth 2");
  }

  @Test
  void wrongShapeNamesExpectedAndFound() {
    refused("{\"instances\": [[[1, 2], [3, 4]]]}",
        "Input 'images' takes shape [-1,2,2,1] (-1: any size) of float, but the request gives [1,2,2] (1 instance of [2,2])",
        "wrong shape: input 'images' takes shape [-1,2,2,1] (-1: any size) of float, but the request gives [1,2,2] (1 instance of [2,2])");
    refused("{\"inputs\": [[[[1], [2], [3]]]]}",
        "Input 'images' takes shape [-1,2,2,1] (-1: any size) of float, but the request gives [1,1,3,1]",
        "wrong shape: input 'images' takes shape [-1,2,2,1] (-1: any size) of float, but the request gives [1,1,3,1]");
  }

  @Test
  void valuesOfTheWrongType() {
    refused("{\"instances\": [[[[1], [\"2\"]], [[3], [4]]]]}",
        "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: JSON Value: \"2\" Type: String is not of expected type: float",
        "instance 0: \"2\" is a String, but the input takes float");
    refused("{\"instances\": [[[[16777217], [2]], [[3], [4]]]]}",
        "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: Cannot convert JSON value: 16777217 to float without loss of precision.",
        "instance 0: 16777217 cannot be a float without loss of precision");
    refused("{\"signature_name\": \"ints\", \"inputs\": [1.5]}",
        "JSON Value: 1.5 Type: Number is not of expected type: int64",
        "\"inputs\": 1.5 is a Number, but the input takes int64");
    refused("{\"instances\": [[[[{\"b64\": \"AA==\"}], [2]], [[3], [4]]]]}",
        "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: JSON Value: {\n    \"b64\": \"AA==\"\n} Type: Object is not of expected type: float",
        "instance 0: { \"b64\": \"AA==\" } is a Object, but the input takes float");
  }

  @Test
  void badBase64() {
    refused("{\"signature_name\": \"multi\", \"inputs\": {\"a\": [[1, 2]], \"s\": [{\"b64\": \"@@\"}]}}",
        "Unable to base64 decode", "\"inputs\" 's': the b64 value \"@@\" is not valid base64");
    refused("{\"signature_name\": \"multi\", \"inputs\": {\"a\": [[1, 2]], \"s\": [{\"b64\": \"AA==\", \"x\": 1}]}}",
        "JSON Value: {\n    \"b64\": \"AA==\",\n    \"x\": 1\n} not formatted correctly for base64 data",
        "\"inputs\" 's': { \"b64\": \"AA==\", \"x\": 1 } is no {\"b64\": \"...\"} object (one key, b64, holding a string)");
  }

  // --- responses

  @Test
  void floatsArePrintedAsTfServingPrintsThem() {
    assertEquals("0.2", PrettyJson.decimal(0.2f));
    assertEquals("1.0", PrettyJson.decimal(1f));
    assertEquals("-0.0", PrettyJson.decimal(-0f));
    assertEquals("123456.0", PrettyJson.decimal(123456f));
    assertEquals("1234567.0", PrettyJson.decimal(1234567f));
    assertEquals("9e+06", PrettyJson.decimal(9000000f));
    assertEquals("3e-05", PrettyJson.decimal(3e-5f));
    assertEquals("0.123456702", PrettyJson.decimal(0.1234567f));
    assertEquals("1.17549435e-38", PrettyJson.decimal(Float.MIN_NORMAL));
    assertEquals("NaN", PrettyJson.decimal(Float.NaN));
    assertEquals("-Infinity", PrettyJson.decimal(Float.NEGATIVE_INFINITY));
    assertEquals("0.1", PrettyJson.decimal(0.1));
    assertEquals("0.33333333333333331", PrettyJson.decimal(1.0 / 3));
  }

  @Test
  void rowResponsesAreBareForOneOutputAndObjectsForSeveralLaidOutAsTfServingDoes() {
    HostTensor p = new HostTensor(DataType.DT_FLOAT, new long[] {2, 2}, new float[] {1f, 2.5f, 0.1f, 1e-7f});
    assertEquals("{\n    \"predictions\": [[1.0, 2.5], [0.1, 1e-07]\n    ]\n}",
        RestResponse.of(RestRequest.Format.ROW, Map.of("p", p)));
    Map<String, HostTensor> two = new LinkedHashMap<>();
    two.put("class_ids", new HostTensor(DataType.DT_INT64, new long[] {2}, new long[] {1, 0}));
    two.put("p", p);
    assertEquals("{\n    \"predictions\": [\n        {\n            \"class_ids\": 1,\n            \"p\": [1.0, 2.5]\n        },"
            + "\n        {\n            \"class_ids\": 0,\n            \"p\": [0.1, 1e-07]\n        }\n    ]\n}",
        RestResponse.of(RestRequest.Format.ROW, two));
  }

  @Test
  void columnarResponsesAndBytesOutputs() {
    Map<String, HostTensor> two = new LinkedHashMap<>();
    two.put("label", new HostTensor(DataType.DT_STRING, new long[] {1}, new byte[][] {"seven".getBytes(StandardCharsets.UTF_8)}));
    two.put("raw_bytes", new HostTensor(DataType.DT_STRING, new long[] {1}, new byte[][] {{0, 1, (byte) 0xFF}}));
    assertEquals("{\n    \"outputs\": {\n        \"label\": [\n            \"seven\"\n        ],\n        \"raw_bytes\": [\n"
            + "            {\n                \"b64\": \"AAH/\"\n            }\n        ]\n    }\n}",
        RestResponse.of(RestRequest.Format.COLUMNAR, two));
    assertEquals("{\n    \"outputs\": 3.5\n}",
        RestResponse.of(RestRequest.Format.COLUMNAR, Map.of("x", new HostTensor(DataType.DT_FLOAT, new long[] {}, new float[] {3.5f}))));
  }

  @Test
  void rowResponsesNeedOneBatchSize() {
    Map<String, HostTensor> two = new LinkedHashMap<>();
    two.put("a", new HostTensor(DataType.DT_INT64, new long[] {2}, new long[] {1, 0}));
    two.put("b", new HostTensor(DataType.DT_INT64, new long[] {3}, new long[] {1, 0, 2}));
    RestRequestException e = assertThrows(RestRequestException.class, () -> RestResponse.of(RestRequest.Format.ROW, two));
    assertEquals("Tensor name: b has inconsistent batch size: 3 expecting: 2", e.servingError());
  }

  @Test
  void theErrorBody() {
    assertEquals("{\n    \"error\": \"Missing 'inputs' or 'instances' key\"\n}", fails("{}").responseBody());
  }
}
