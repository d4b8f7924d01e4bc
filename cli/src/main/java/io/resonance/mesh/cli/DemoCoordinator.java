package io.resonance.mesh.cli;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.Strategy;
import io.resonance.mesh.avro.Verb;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * What the demo asks of its fleet: every {@code period} a scatter-gather over a sample of the
 * agents that can act within seconds, and every third time a wave cascade over the hierarchy,
 * exactly as a client would (requests to {@code mesh.requests}, outcomes from {@code mesh.gather}).
 * Keeps the KPIs the status box and the final report show, all from the mesh's own gather results.
 */
final class DemoCoordinator implements AutoCloseable {

  /** The KPIs so far; rates over the requests that have a final result. */
  record Kpis(
      int sent,
      int decided,
      int proceeded,
      double meanWithinWindow,
      double lastErrorP90Ms,
      int cascades,
      int cascadesProceeded,
      long lastCascadeMs,
      String last) {

    double successRate() {
      return decided == 0 ? Double.NaN : (double) proceeded / decided;
    }
  }

  private final KafkaProducer<String, byte[]> producer;
  private final Requests.GatherFollower gather;
  private final Duration period;
  private final int sampleSize;
  private final Map<String, Strategy> pending = new HashMap<>();
  private final List<Double> withinWindow = new ArrayList<>();
  private long nextAtNanos;
  private int sent;
  private int decided;
  private int proceeded;
  private int cascades;
  private int cascadesProceeded;
  private long lastCascadeMs = -1;
  private double lastErrorP90 = Double.NaN;
  private String last = "none yet";

  DemoCoordinator(String bootstrapServers, Duration period, Duration firstAfter, int sampleSize) {
    this.producer = Requests.producer(bootstrapServers);
    this.gather = new Requests.GatherFollower(bootstrapServers);
    this.period = period;
    this.sampleSize = sampleSize;
    this.nextAtNanos = System.nanoTime() + firstAfter.toNanos();
  }

  /** Sends what is due and takes in results; call it often (it polls for up to 100 ms). */
  void tick() throws Exception {
    if (System.nanoTime() >= nextAtNanos) {
      nextAtNanos += period.toNanos();
      boolean cascade = sent % 3 == 2;
      long target = System.currentTimeMillis() + (cascade ? 10_000 : 5_000);
      String id = Requests.newId(cascade ? "demo-wave" : "demo-ask");
      // Machine classes only: C's batch work and F's people take tens of seconds to prepare.
      CoordinationRequest request =
          (cascade
                  ? Requests.at(
                      id,
                      Requests.selector(SelectorKind.CLASS, List.of("A", "B", "D", "E"), 0),
                      target,
                      Verb.SYNC,
                      "{\"sync\":\"config\"}",
                      Strategy.WAVE)
                  : Requests.at(
                      id,
                      Requests.selector(
                          SelectorKind.SAMPLE, List.of("A", "B", "D", "E"), sampleSize),
                      target,
                      Verb.OBSERVE,
                      "{\"read\":\"load\"}",
                      Strategy.SCATTER_GATHER))
              .build();
      Requests.send(producer, request);
      pending.put(id, request.getStrategy());
      sent++;
    }
    for (var e : gather.poll(Duration.ofMillis(100)).entrySet()) {
      Strategy strategy = pending.get(e.getKey());
      GatherResult g = e.getValue();
      if (strategy == null || !Requests.GatherFollower.isFinal(g)) {
        continue;
      }
      pending.remove(e.getKey());
      decided++;
      boolean ok = g.getDecision() == QuorumDecision.PROCEED;
      proceeded += ok ? 1 : 0;
      if (strategy == Strategy.WAVE) {
        cascades++;
        cascadesProceeded += ok ? 1 : 0;
        lastCascadeMs = g.getElapsedMs();
      } else {
        withinWindow.add(g.getWithinWindowShare());
        if (g.getArrivalErrorP90Ms() != null) {
          lastErrorP90 = g.getArrivalErrorP90Ms();
        }
      }
      last =
          String.format(
              Locale.ROOT,
              "%s %s %d/%d READY",
              strategy == Strategy.WAVE ? "wave" : "ask",
              g.getDecision(),
              g.getReady(),
              g.getEligible());
    }
  }

  Kpis kpis() {
    return new Kpis(
        sent,
        decided,
        proceeded,
        withinWindow.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
        lastErrorP90,
        cascades,
        cascadesProceeded,
        lastCascadeMs,
        last);
  }

  @Override
  public void close() {
    gather.close();
    producer.close();
  }
}
