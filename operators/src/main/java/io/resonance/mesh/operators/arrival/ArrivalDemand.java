package io.resonance.mesh.operators.arrival;

import io.resonance.mesh.avro.CoordinationRequest;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * What one request asks of every target's timing: act at {@code actAtMs} (T), and be READY inside
 * {@code [windowStartMs, windowEndMs]}, with probability {@code minResponseRate}, for a payload of
 * {@code payloadWeight} that needs {@code requiredCapabilities}, before the request expires. Mesh
 * clock, epoch milliseconds.
 *
 * <h2>T and the window</h2>
 *
 * An agent that is prepared early holds the command until T on its own clock, so T is where the
 * READY answers gather and the window is the tolerance around it: for clock error on the early
 * side, for preparation running late on the other. A request that gives only T is a point target,
 * met within {@value #POINT_TOLERANCE_MS} ms either side: the precision the mesh can promise after
 * correcting each agent's clock (its offset estimate is a few ms off at best). A request that gives
 * only a window acts a little after the start, {@code start + min(tolerance, width / 2)}, so that
 * an agent whose clock runs slightly behind the estimate is not early.
 */
public record ArrivalDemand(
    long actAtMs,
    long windowStartMs,
    long windowEndMs,
    double minResponseRate,
    double payloadWeight,
    List<String> requiredCapabilities,
    long expiresAtMs)
    implements Serializable {

  /** A point target is met within this many ms of T, either side. */
  public static final long POINT_TOLERANCE_MS = 10;

  public ArrivalDemand {
    if (windowEndMs < windowStartMs) {
      throw new IllegalArgumentException(
          "window ends at " + windowEndMs + " before it starts at " + windowStartMs);
    }
    if (actAtMs < windowStartMs || actAtMs > windowEndMs) {
      throw new IllegalArgumentException(
          "target time "
              + actAtMs
              + " lies outside the arrival"
              + " window ["
              + windowStartMs
              + ", "
              + windowEndMs
              + "]");
    }
    if (!(minResponseRate > 0 && minResponseRate <= 1)) {
      throw new IllegalArgumentException(
          "minResponseRate must be in (0, 1], got " + minResponseRate);
    }
    if (!(payloadWeight >= 0)) {
      throw new IllegalArgumentException(
          "payloadWeight must not be negative, got " + payloadWeight);
    }
    requiredCapabilities = List.copyOf(Objects.requireNonNull(requiredCapabilities));
  }

  /** A point target T, met within {@link #POINT_TOLERANCE_MS} either side. */
  public static ArrivalDemand at(
      long targetMs, double minResponseRate, double payloadWeight, long expiresAtMs) {
    return new ArrivalDemand(
        targetMs,
        targetMs - POINT_TOLERANCE_MS,
        targetMs + POINT_TOLERANCE_MS,
        minResponseRate,
        payloadWeight,
        List.of(),
        expiresAtMs);
  }

  /** A window without a named T: act at {@code start + min(tolerance, width / 2)}. */
  public static ArrivalDemand within(
      long startMs, long endMs, double minResponseRate, double payloadWeight, long expiresAtMs) {
    return new ArrivalDemand(
        startMs + Math.min(POINT_TOLERANCE_MS, (endMs - startMs) / 2),
        startMs,
        endMs,
        minResponseRate,
        payloadWeight,
        List.of(),
        expiresAtMs);
  }

  public ArrivalDemand requiring(List<String> capabilities) {
    return new ArrivalDemand(
        actAtMs,
        windowStartMs,
        windowEndMs,
        minResponseRate,
        payloadWeight,
        capabilities,
        expiresAtMs);
  }

  /**
   * The demand of a request: T from {@code target_arrival_ms}, the window from the request when it
   * gives one (a window with only one end reaches to T, or is that instant), otherwise the point
   * tolerance around T; see the class comment.
   */
  public static ArrivalDemand of(CoordinationRequest request) {
    Long start = request.getArrivalWindowStartMs();
    Long end = request.getArrivalWindowEndMs();
    Long target = request.getTargetArrivalMs();
    if (start == null && end == null && target == null) {
      throw new IllegalArgumentException(
          "request "
              + request.getMessageId()
              + " has neither target_arrival_ms nor an arrival window");
    }
    long expires = request.getCreatedAtMs() + request.getTtlMs();
    ArrivalDemand d;
    if (start == null && end == null) {
      d = at(target, request.getMinResponseRate(), request.getPayloadWeight(), expires);
    } else {
      long from = start != null ? start : target != null ? Math.min(target, end) : end;
      long to = end != null ? end : target != null ? Math.max(target, from) : from;
      d =
          target != null
              ? new ArrivalDemand(
                  target,
                  from,
                  to,
                  request.getMinResponseRate(),
                  request.getPayloadWeight(),
                  List.of(),
                  expires)
              : within(from, to, request.getMinResponseRate(), request.getPayloadWeight(), expires);
    }
    return d.requiring(request.getRequiredCapabilities());
  }
}
