package io.resonance.mesh.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One JSON object that a command or a benchmark reports, written by Jackson so that any name or
 * text is escaped. A figure that was not measured (NaN, infinite) is written as {@code null}, never
 * as a number that is not one; decimals are rounded to what the measurement can tell.
 */
final class JsonReport {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final ObjectNode node;

  JsonReport() {
    this(MAPPER.createObjectNode());
  }

  private JsonReport(ObjectNode node) {
    this.node = node;
  }

  JsonReport put(String name, long value) {
    node.put(name, value);
    return this;
  }

  JsonReport put(String name, boolean value) {
    node.put(name, value);
    return this;
  }

  JsonReport put(String name, String value) {
    if (value == null) {
      node.putNull(name);
    } else {
      node.put(name, value);
    }
    return this;
  }

  /** A measured figure with {@code decimals} places, or null when there is none. */
  JsonReport put(String name, double value, int decimals) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      node.putNull(name);
    } else if (decimals == 0) {
      node.put(name, Math.round(value));
    } else {
      node.put(name, BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP));
    }
    return this;
  }

  /** A figure that may be absent: a negative value stands for "none" in the callers' records. */
  JsonReport putNonNegative(String name, long value) {
    if (value < 0) {
      node.putNull(name);
    } else {
      node.put(name, value);
    }
    return this;
  }

  /** A nested object under {@code name}, filled by the caller. */
  JsonReport object(String name) {
    return new JsonReport(node.putObject(name));
  }

  /** The report as one line. */
  @Override
  public String toString() {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a report of numbers and text always serialises", e);
    }
  }
}
