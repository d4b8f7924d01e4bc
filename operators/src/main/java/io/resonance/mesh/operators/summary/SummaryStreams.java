package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.ImpedanceSummary;
import org.apache.flink.streaming.api.datastream.DataStream;

/** The three summary levels built by {@link Summaries#of}; all go to the summaries topic. */
public record SummaryStreams(
    DataStream<ImpedanceSummary> clusters,
    DataStream<ImpedanceSummary> sectors,
    DataStream<ImpedanceSummary> global) {

  /** All three levels in one stream, for a single sink. */
  public DataStream<ImpedanceSummary> all() {
    return clusters.union(sectors, global);
  }
}
