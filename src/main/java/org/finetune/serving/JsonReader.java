package org.finetune.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a request body with Jackson's streaming parser into rapidjson's value model ({@link
 * JsonValue}), as TF Serving reads it with rapidjson's {@code kParseNanAndInfFlag}: {@code NaN} and
 * {@code Infinity} accepted, integers exact, decimals read from their text, every object member kept
 * in order. A syntax error carries Jackson's description and where it is.
 */
final class JsonReader {

  /** A syntax error: what is wrong, its offset (bytes from the start), line and column from 1. */
  static final class ParseError extends Exception {
    final String reason;
    final long offset;
    final int line;
    final int column;

    private ParseError(String reason, JsonLocation where) {
      super(reason + " at offset: " + where.getByteOffset());
      this.reason = reason;
      this.offset = where.getByteOffset();
      this.line = where.getLineNr();
      this.column = where.getColumnNr();
    }
  }

  private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** Deep enough for any tensor, shallow enough for the recursion here and in {@link RestRequest}. */
  private static final int MAX_DEPTH = 1000;

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxStringLength(Integer.MAX_VALUE).build())
      .build();

  private JsonReader() {}

  /** Reads one document (the caller handles an empty body, which TF Serving checks first). */
  static JsonValue parse(byte[] json) throws ParseError {
    try (JsonParser p = FACTORY.createParser(json)) {
      try {
        if (p.nextToken() == null) {
          throw new ParseError("The document is empty.", p.currentLocation());
        }
        JsonValue value = value(p);
        if (p.nextToken() != null) {
          throw new ParseError("The document root must not be followed by other values.", p.currentTokenLocation());
        }
        return value;
      } catch (JsonProcessingException e) { // a limit's exception has no location: the parser's then
        throw new ParseError(e.getOriginalMessage(), e.getLocation() != null ? e.getLocation() : p.currentLocation());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a byte array fails only as above
    }
  }

  private static JsonValue value(JsonParser p) throws IOException, ParseError {
    return switch (p.currentToken()) {
      case START_OBJECT -> object(p);
      case START_ARRAY -> array(p);
      case VALUE_STRING -> JsonValue.ofString(p.getText());
      case VALUE_NUMBER_INT -> integer(p);
      case VALUE_NUMBER_FLOAT -> decimal(p);
      case VALUE_TRUE -> JsonValue.of(JsonValue.Type.TRUE);
      case VALUE_FALSE -> JsonValue.of(JsonValue.Type.FALSE);
      default -> JsonValue.of(JsonValue.Type.NULL);
    };
  }

  private static JsonValue object(JsonParser p) throws IOException, ParseError {
    List<Map.Entry<String, JsonValue>> members = new ArrayList<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      members.add(new AbstractMap.SimpleImmutableEntry<>(name, value(p)));
    }
    return JsonValue.ofObject(members);
  }

  private static JsonValue array(JsonParser p) throws IOException, ParseError {
    List<JsonValue> items = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      items.add(value(p));
    }
    return JsonValue.ofArray(items);
  }

  /** An integer within int64 / uint64, exact; beyond them a double, as rapidjson stores it. */
  private static JsonValue integer(JsonParser p) throws IOException, ParseError {
    BigInteger i = p.getBigIntegerValue();
    return i.compareTo(INT64_MIN) >= 0 && i.compareTo(UINT64_MAX) <= 0 ? JsonValue.ofInteger(i) : decimal(p);
  }

  /** A decimal: the nearest double to its text ({@code NaN} and the infinities as such). */
  private static JsonValue decimal(JsonParser p) throws IOException, ParseError {
    double d = p.isNaN() ? p.getDoubleValue() : Double.parseDouble(p.getText());
    if (Double.isInfinite(d) && !p.isNaN()) {
      throw new ParseError("Number too big to be stored in double.", p.currentTokenLocation());
    }
    return JsonValue.ofDouble(d);
  }
}
