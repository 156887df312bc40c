package org.finetune.serving;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * A parsed JSON value as rapidjson holds it: numbers keep whether they were written as integers
 * (and which integer types hold them) or as decimals; objects keep every member in order, so a
 * duplicated key is found first-wins as rapidjson's {@code FindMember} finds it.
 */
record JsonValue(Type type, String string, double number, BigInteger integer, List<JsonValue> items,
    List<Map.Entry<String, JsonValue>> members) {

  /** rapidjson's value types. */
  enum Type {
    NULL("Null"), FALSE("False"), TRUE("True"), OBJECT("Object"), ARRAY("Array"), STRING("String"), NUMBER("Number");

    final String display;

    Type(String display) {
      this.display = display;
    }
  }

  private static final BigInteger INT_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
  private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
  private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  /** {@code null}, {@code true} or {@code false}. */
  static JsonValue of(Type literal) {
    return new JsonValue(literal, null, 0, null, null, null);
  }

  static JsonValue ofString(String s) {
    return new JsonValue(Type.STRING, s, 0, null, null, null);
  }

  static JsonValue ofInteger(BigInteger i) {
    return new JsonValue(Type.NUMBER, null, i.doubleValue(), i, null, null);
  }

  static JsonValue ofDouble(double d) {
    return new JsonValue(Type.NUMBER, null, d, null, null, null);
  }

  static JsonValue ofArray(List<JsonValue> items) {
    return new JsonValue(Type.ARRAY, null, 0, null, items, null);
  }

  static JsonValue ofObject(List<Map.Entry<String, JsonValue>> members) {
    return new JsonValue(Type.OBJECT, null, 0, null, null, members);
  }

  boolean isObject() {
    return type == Type.OBJECT;
  }

  boolean isArray() {
    return type == Type.ARRAY;
  }

  boolean isString() {
    return type == Type.STRING;
  }

  boolean isNumber() {
    return type == Type.NUMBER;
  }

  boolean isBool() {
    return type == Type.TRUE || type == Type.FALSE;
  }

  /** Written with a fraction or exponent, or an integer too large for uint64 / int64. */
  boolean isDouble() {
    return type == Type.NUMBER && integer == null;
  }

  boolean isInt() {
    return integer != null && integer.compareTo(INT_MIN) >= 0 && integer.compareTo(INT_MAX) <= 0;
  }

  boolean isInt64() {
    return integer != null && integer.compareTo(INT64_MIN) >= 0 && integer.compareTo(INT64_MAX) <= 0;
  }

  /** rapidjson's {@code IsFloat()}: a decimal within float's range. */
  boolean isFloat() {
    return isDouble() && number >= -3.4028234e38 && number <= 3.4028234e38;
  }

  /** rapidjson's {@code FindMember}: the first member with that name, or null. */
  JsonValue member(String name) {
    if (members == null) {
      return null;
    }
    for (Map.Entry<String, JsonValue> m : members) {
      if (m.getKey().equals(name)) {
        return m.getValue();
      }
    }
    return null;
  }
}
