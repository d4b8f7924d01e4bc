package io.resonance.mesh.operators.coordination;

import io.resonance.mesh.avro.CoordinationRequest;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * What one request asks of every target's timing: be READY inside {@code [windowStartMs,
 * windowEndMs]} (one instant when they are equal) with probability {@code minResponseRate}, for a
 * payload of {@code payloadWeight} that needs {@code requiredCapabilities}, before the request
 * expires. Mesh clock, epoch milliseconds.
 */
public record ArrivalDemand(
    long windowStartMs,
    long windowEndMs,
    double minResponseRate,
    double payloadWeight,
    List<String> requiredCapabilities,
    long expiresAtMs)
    implements Serializable {

  public ArrivalDemand {
    if (windowEndMs < windowStartMs) {
      throw new IllegalArgumentException("window ends at " + windowEndMs + " before it starts at "
          + windowStartMs);
    }
    if (!(minResponseRate > 0 && minResponseRate <= 1)) {
      throw new IllegalArgumentException("minResponseRate must be in (0, 1], got " + minResponseRate);
    }
    if (!(payloadWeight >= 0)) {
      throw new IllegalArgumentException("payloadWeight must not be negative, got " + payloadWeight);
    }
    requiredCapabilities = List.copyOf(Objects.requireNonNull(requiredCapabilities));
  }

  /** A single target instant T with no tolerance after it. */
  public static ArrivalDemand at(long targetMs, double minResponseRate, double payloadWeight,
      long expiresAtMs) {
    return new ArrivalDemand(targetMs, targetMs, minResponseRate, payloadWeight, List.of(),
        expiresAtMs);
  }

  public ArrivalDemand requiring(List<String> capabilities) {
    return new ArrivalDemand(windowStartMs, windowEndMs, minResponseRate, payloadWeight,
        capabilities, expiresAtMs);
  }

  /**
   * The demand of a request. The window wins over {@code target_arrival_ms} when both are set
   * (as {@code CoordinationRequest.avsc} documents); a window with only one end is that instant.
   */
  public static ArrivalDemand of(CoordinationRequest request) {
    Long start = request.getArrivalWindowStartMs();
    Long end = request.getArrivalWindowEndMs();
    Long target = request.getTargetArrivalMs();
    if (start == null && end == null && target == null) {
      throw new IllegalArgumentException("request " + request.getMessageId()
          + " has neither target_arrival_ms nor an arrival window");
    }
    long from = start != null ? start : end != null ? end : target;
    long to = end != null ? end : from;
    return new ArrivalDemand(from, to, request.getMinResponseRate(), request.getPayloadWeight(),
        request.getRequiredCapabilities(), request.getCreatedAtMs() + request.getTtlMs());
  }
}
