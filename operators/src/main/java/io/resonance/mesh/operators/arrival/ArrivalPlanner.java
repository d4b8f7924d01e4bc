package io.resonance.mesh.operators.arrival;

import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.operators.model.ClassPrior;
import io.resonance.mesh.operators.model.DelayModel;
import io.resonance.mesh.operators.model.ProcessingFit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The quarterback calculation of seed part 3.1: when to send one agent its copy of a command so
 * that it is prepared by the request's target time T, where it holds the command and acts (see
 * {@link ArrivalDemand}). Pure arithmetic over a {@link DelayModel} (the agent's own history) and
 * an {@link ArrivalDemand} (the request); the Flink operators call it per target and release the
 * command at {@code sendAtMs}.
 *
 * <h2>Prior and own history</h2>
 *
 * Each input is a blend {@code b * own + (1 - b) * prior} with {@code b = min(1, samples /
 * FULL_TRUST_SAMPLES)}: the class table of seed part 2.2 ({@link ClassPrior}) speaks for an agent
 * with no samples, and is gone once the agent has {@value #FULL_TRUST_SAMPLES} of its own. A linear
 * ramp rather than an asymptote, because fleets differ from the seed's table and an agent's own p90
 * over 16 samples already beats any table.
 *
 * <h2>Network: a quantile chosen per request</h2>
 *
 * One-way delay is predicted by a quantile of the agent's own samples, not their mean (Nezha uses
 * p90). The quantile follows the request: an agent must be READY by the window end with probability
 * at least {@code q = clamp(min_response_rate, 0.5, 0.99)}, because if each target is on time with
 * probability q the expected on-time share is q. The window after T, of width {@code W = end - T},
 * is slack: aiming {@code D(q) - W} at T puts the q-quantile at the window end, so {@code network =
 * max(D(0.5), D(q) - W)}. The floor at the median keeps at least half of the agents prepared by T,
 * where their answers are precise (they wait for T on their own clock); a late agent answers when
 * it is ready, with its lateness as error. For a window that closes at T the quantile is q itself.
 * {@code D} is piecewise linear through the agent's p50, p90 and p99, and the reported quantile is
 * where the chosen delay falls on it.
 *
 * <h2>Processing and queue</h2>
 *
 * With a learned {@link ProcessingFit} processing is the fitted line at the payload's weight;
 * without one it is the agent's mean processing time times the seed's weight factor {@code 1 + w /
 * 2}, which treats the measured mean as a standard (weight 0) payload's. Each command queued ahead
 * adds a tenth of that (the seed's factor {@code 1 + 0.1 * queue_depth}): agents work their queues
 * with some concurrency, and the responses will tell how much once the fit learns it.
 *
 * <h2>Buffer</h2>
 *
 * {@code buffer = drift * network + (processing p90 - processing mean)}. The network quantile
 * already holds the spread of the last samples; drift (their coefficient of variation) says how
 * unsteady the agent is, and the distribution can move between the last heartbeat and the send, so
 * the margin grows with it. Processing is predicted at its mean, so its spread up to p90 is added.
 *
 * <h2>Send time and skips</h2>
 *
 * {@code lead = network + processing + queue + buffer} and {@code send_at = T - lead}. If that has
 * passed but the q-quantile can still make the window end, the command goes now; if not, the target
 * is skipped TOO_LATE with the lead it needed and the time left. Expired requests, OFFLINE and
 * QUARANTINED agents and agents lacking a required capability are skipped first.
 *
 * <h2>Confidence</h2>
 *
 * {@code confidence = trust * 1 / (1 + drift) * reliability}, halved for a DEGRADED agent (its
 * history stopped recently), where {@code trust = c + (1 - c) * PRIOR_TRUST} and {@code c = n / (n
 * + CONFIDENCE_HALF_SAMPLES)}: it rises with the sample count n (a class table alone is worth
 * {@value #PRIOR_TRUST}), falls as the agent gets less steady, and falls with missed heartbeats.
 */
public final class ArrivalPlanner {

  /** Own samples at which the class prior no longer contributes. */
  public static final int FULL_TRUST_SAMPLES = 16;

  /** Sample count at which half of the sample-certainty is reached. */
  public static final double CONFIDENCE_HALF_SAMPLES = 16;

  /** What a prediction from the class table alone is worth, before drift and reliability. */
  public static final double PRIOR_TRUST = 0.2;

  /** Share of one processing time each queued command adds (seed part 3.1). */
  public static final double QUEUE_SHARE_PER_ITEM = 0.1;

  /** Processing grows by this share per unit of payload weight (seed part 3.1). */
  public static final double WEIGHT_SHARE = 0.5;

  public static final double MIN_QUANTILE = 0.5;
  public static final double MAX_QUANTILE = 0.99;

  /** Confidence factor for a DEGRADED agent: its latest beats are missing. */
  public static final double DEGRADED_CONFIDENCE = 0.5;

  private ArrivalPlanner() {}

  /** The schedule of one target; {@code model} is null for an agent the registry does not know. */
  public static ArrivalPlan plan(DelayModel model, ArrivalDemand demand, long nowMs) {
    if (nowMs >= demand.expiresAtMs() || demand.actAtMs() > demand.expiresAtMs()) {
      return ArrivalPlan.skip(
          SkipReason.EXPIRED,
          "request expires at "
              + demand.expiresAtMs()
              + ", target time is "
              + demand.actAtMs()
              + ", now "
              + nowMs,
          demand);
    }
    if (model == null) {
      return ArrivalPlan.skip(SkipReason.UNKNOWN_AGENT, "not in the impedance registry", demand);
    }
    if (model.state() == OperationalState.OFFLINE) {
      return ArrivalPlan.skip(SkipReason.OFFLINE, "agent is OFFLINE", demand);
    }
    if (model.state() == OperationalState.QUARANTINED) {
      return ArrivalPlan.skip(SkipReason.QUARANTINED, "agent is QUARANTINED", demand);
    }
    List<String> missing = new ArrayList<>();
    for (String capability : demand.requiredCapabilities()) {
      if (!model.capabilities().contains(capability)) {
        missing.add(capability);
      }
    }
    if (!missing.isEmpty()) {
      return ArrivalPlan.skip(
          SkipReason.MISSING_CAPABILITY, "lacks " + String.join(", ", missing), demand);
    }
    return timed(model, demand, nowMs);
  }

  private static ArrivalPlan timed(DelayModel m, ArrivalDemand d, long nowMs) {
    ClassPrior prior = ClassPrior.of(m.agentClass());
    double own = ownShare(m.latencySamples());
    double p50 = blend(own, m.latencyP50Ms(), prior.latencyP50Ms());
    double p90 = blend(own, m.latencyP90Ms(), prior.latencyP90Ms());
    double p99 = blend(own, m.latencyP99Ms(), prior.latencyP99Ms());
    double drift = blend(own, m.drift(), prior.drift());

    double required = Math.max(MIN_QUANTILE, Math.min(MAX_QUANTILE, d.minResponseRate()));
    double requiredDelay = delayAt(required, p50, p90, p99);
    long width = d.windowEndMs() - d.actAtMs();
    double network = Math.max(p50, requiredDelay - width);
    double quantile = width == 0 ? required : quantileOf(network, p50, p90, p99);

    double weightFactor = 1 + WEIGHT_SHARE * d.payloadWeight();
    ProcessingFit fit = m.processingFit();
    int processingEvidence = (int) Math.max(m.processingSamples(), fit.isLearned() ? fit.n() : 0);
    double ownProcessingShare = ownShare(processingEvidence);
    double ownProcessing =
        fit.isLearned() ? fit.predict(d.payloadWeight()) : m.processingMeanMs() * weightFactor;
    double ownSpread =
        m.processingSamples() > 0
            ? Math.max(0, m.processingP90Ms() - m.processingMeanMs()) * weightFactor
            : 0;
    double processing =
        blend(ownProcessingShare, ownProcessing, prior.processingMs() * weightFactor);
    double processingSpread =
        blend(
            ownProcessingShare,
            ownSpread,
            (prior.processingP90Ms() - prior.processingMs()) * weightFactor);
    double queue = processing * QUEUE_SHARE_PER_ITEM * Math.max(0, m.queueDepth());
    double buffer = drift * network + processingSpread;
    double lead = network + processing + queue + buffer;

    long sendAt = (long) Math.floor(d.actAtMs() - lead);
    if (sendAt < nowMs) {
      // The q-quantile at the window end is the requirement; aiming at the start was a choice.
      double neededForEnd = requiredDelay + processing + queue + buffer;
      if (d.windowEndMs() - neededForEnd < nowMs) {
        return new ArrivalPlan(
            ScheduleStatus.SKIP,
            SkipReason.TOO_LATE,
            String.format(
                Locale.ROOT,
                "needs %.0f ms of lead to be READY by %d at p%.0f," + " only %d ms left",
                neededForEnd,
                d.windowEndMs(),
                required * 100,
                d.windowEndMs() - nowMs),
            sendAt,
            d.actAtMs(),
            d.windowStartMs(),
            d.windowEndMs(),
            agentClock(d.actAtMs(), m),
            lead,
            network,
            processing,
            queue,
            buffer,
            quantile,
            confidence(m, drift),
            m.latencySamples(),
            1 - own);
      }
      sendAt = nowMs;
    }
    return new ArrivalPlan(
        ScheduleStatus.SCHEDULED,
        null,
        "",
        sendAt,
        d.actAtMs(),
        d.windowStartMs(),
        d.windowEndMs(),
        agentClock(d.actAtMs(), m),
        lead,
        network,
        processing,
        queue,
        buffer,
        quantile,
        confidence(m, drift),
        m.latencySamples(),
        1 - own);
  }

  /** See the class comment: sample trust, times steadiness, times reliability. */
  static double confidence(DelayModel m, double drift) {
    double n = Math.max(0, m.latencySamples());
    double certainty = n / (n + CONFIDENCE_HALF_SAMPLES);
    double trust = certainty + (1 - certainty) * PRIOR_TRUST;
    double steadiness = 1 / (1 + Math.max(0, drift));
    double reliability = Math.max(0, Math.min(1, m.reliability()));
    double c = trust * steadiness * reliability;
    if (m.state() == OperationalState.DEGRADED) {
      c *= DEGRADED_CONFIDENCE;
    }
    return Math.max(0, Math.min(1, c));
  }

  /** One-way delay at quantile q, piecewise linear through (0.5, p50), (0.9, p90), (0.99, p99). */
  static double delayAt(double q, double p50, double p90, double p99) {
    if (q <= 0.5) {
      return p50;
    }
    if (q <= 0.9) {
      return p50 + (p90 - p50) * (q - 0.5) / 0.4;
    }
    if (q >= 0.99) {
      return p99;
    }
    return p90 + (p99 - p90) * (q - 0.9) / 0.09;
  }

  /** The inverse of {@link #delayAt}: the highest quantile whose delay is at most {@code delay}. */
  static double quantileOf(double delay, double p50, double p90, double p99) {
    if (delay < p50) {
      return 0.5;
    }
    if (delay < p90) {
      return 0.5 + 0.4 * (delay - p50) / (p90 - p50);
    }
    if (delay < p99) {
      return 0.9 + 0.09 * (delay - p90) / (p99 - p90);
    }
    return 0.99;
  }

  private static double ownShare(int samples) {
    return Math.min(1.0, Math.max(0, samples) / (double) FULL_TRUST_SAMPLES);
  }

  private static double blend(double ownShare, double own, double prior) {
    return ownShare * own + (1 - ownShare) * prior;
  }

  /**
   * T on the agent's clock, corrected by the estimated offset only when the estimate stands out
   * from its own uncertainty. An offset is measured from one-way exchanges, and the exchange with
   * the least round trip still carries half the asymmetry of its two legs; with a latency median
   * {@code p50} and coefficient of variation {@code drift}, that is about {@code p50 x drift / 2}.
   * Most fleets discipline their clocks (NTP, chrony) to within a few ms, far better than that on a
   * slow or jittery link, so an estimate within two of those uncertainties of zero says "no
   * measurable offset" and the agent's own clock is trusted; a larger one is a real offset and is
   * corrected. An agent without samples is not corrected at all.
   */
  static long agentClock(long meshMs, DelayModel m) {
    return meshMs + Math.round(correctedOffsetMs(m));
  }

  static double correctedOffsetMs(DelayModel m) {
    if (m.latencySamples() == 0) {
      return 0;
    }
    double uncertainty = m.latencyP50Ms() * Math.max(0, m.drift()) / 2;
    return Math.abs(m.clockOffsetMs()) > 2 * uncertainty ? m.clockOffsetMs() : 0;
  }
}
