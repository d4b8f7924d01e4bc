package io.resonance.mesh.operators.gcl;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * A guard on the value of one input: the computation runs only if it holds, and is skipped (its
 * output never produced) otherwise. Deliberately small: one input, one operator, one literal. Both
 * sides are compared as numbers when both parse as numbers; otherwise only {@code ==} and {@code
 * !=} apply, as exact string equality, and an ordering operator is false.
 */
public record Condition(String input, Op op, String value) {

  /** Comparison operators, with the symbol GCL writes them as. */
  public enum Op {
    GT(">"),
    GE(">="),
    LT("<"),
    LE("<="),
    EQ("=="),
    NE("!=");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    public boolean ordering() {
      return this != EQ && this != NE;
    }

    public static Optional<Op> fromSymbol(String symbol) {
      for (Op op : values()) {
        if (op.symbol.equals(symbol)) {
          return Optional.of(op);
        }
      }
      return Optional.empty();
    }
  }

  public boolean valueIsNumeric() {
    return number(value) != null;
  }

  /** Whether the input's value {@code actual} passes; a missing value never does. */
  public boolean holds(String actual) {
    if (actual == null) {
      return false;
    }
    BigDecimal left = number(actual);
    BigDecimal right = number(value);
    if (left != null && right != null) {
      int c = left.compareTo(right);
      return switch (op) {
        case GT -> c > 0;
        case GE -> c >= 0;
        case LT -> c < 0;
        case LE -> c <= 0;
        case EQ -> c == 0;
        case NE -> c != 0;
      };
    }
    return switch (op) {
      case EQ -> actual.equals(value);
      case NE -> !actual.equals(value);
      default -> false;
    };
  }

  @Override
  public String toString() {
    return input + " " + op.symbol + " " + value;
  }

  // BigDecimal so that 0.8 and 0.80 are equal and no binary rounding decides a threshold.
  private static BigDecimal number(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return new BigDecimal(text.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
