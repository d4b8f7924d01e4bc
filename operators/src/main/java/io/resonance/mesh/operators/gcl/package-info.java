/**
 * GCL, the Graph Construction Language: declarative specs of computation graphs that event handlers
 * submit while a graph runs.
 *
 * <p>A spec is YAML ({@link io.resonance.mesh.operators.gcl.GclParser}) or an Avro {@code GclSpec}
 * ({@link io.resonance.mesh.operators.gcl.GclAvro}); both become a {@link
 * io.resonance.mesh.operators.gcl.GraphSpec} judged by {@link
 * io.resonance.mesh.operators.gcl.GclValidator}. One computation may stand alone (the seed's flat
 * form) or several sit under {@code graph:}:
 *
 * <pre>
 * spec_id: cluster-anomaly      # optional; default gcl- plus a hash of the text
 * version: 1                    # optional, default 1
 * submitted_by: handler-7       # optional; receives completion notifications
 * graph:
 *   name: cluster_anomaly
 *   workspace: [readings]       # data items that already exist
 *   computations:
 *     - computation: aggregate         # unique name            (required)
 *       inputs: [readings]             # data items read        (required, may be [])
 *       output: cluster_stats          # the one item written   (required)
 *       handler_type: analytics        # who can run it         (required)
 *       priority: high                 # low | normal | high | critical; default normal
 *       retry: {max_attempts: 3, backoff_ms: 1000, multiplier: 2.0}   # these are the defaults
 *       timeout_ms: 30000              # default
 *       alternative: aggregate_cheap   # run in its place when it fails for good
 *       condition: {input: anomaly_score, op: "&gt;", value: 0.8}
 * </pre>
 *
 * <p>Condition: the computation runs only if the value of one of its own inputs passes; otherwise
 * it is skipped. Ops are {@code > >= < <= == !=}; both sides compare as numbers when both are
 * numbers, otherwise only {@code ==} and {@code !=} apply, as exact text equality.
 *
 * <p>Alternative: a computation named as another's alternative is on standby, released only when
 * its primary's retries are exhausted. It may write the same output as its primary (no other two
 * computations may), and it must not depend on its primary's output.
 */
package io.resonance.mesh.operators.gcl;
