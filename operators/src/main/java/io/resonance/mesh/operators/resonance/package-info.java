/**
 * Adaptive command resonance (issue 4): a chunked command is tuned per subset of the fleet from
 * what the agents measured running it.
 *
 * <p>The loop, as Kafka topics and operators:
 *
 * <pre>
 * mesh.work-jobs ──▶ WorkDispatcher (keyed by command; the rules are WorkLoop's)
 *                      │ WorkOrder per agent: the base command to an initial share, then each
 *                      │ agent's next order in its subset's params     ──▶ mesh.work ──▶ agents
 * mesh.work-reports ◀──┘                                                  (their own partition)
 *     │ (and each report settles its order in the dispatcher)
 *     ▼
 * ResonanceProfiler (keyed by command, event-time windows; ProfileBuilder)
 *     │ ResonanceProfile: frequency map (chunk latency) and amplitude map (CPU, memory,
 *     │ network), overall and per subset (class × band)                ──▶ mesh.resonance
 *
 * mesh.work-reports ──▶ HarmonicController (keyed by command; a SubsetTuner per subset)
 *     │ HarmonicAdjustment: APPLY, KEEP, ROLLBACK, HOLD, INEFFECTIVE     ──▶ mesh.harmonics
 *     ▼
 * WorkDispatcher: the subset's params for its agents' next orders
 * </pre>
 *
 * <p>What decides: {@link io.resonance.mesh.operators.resonance.HarmonicEngine} hands each work
 * report to its subset's {@link io.resonance.mesh.operators.resonance.SubsetTuner} (the {@link
 * io.resonance.mesh.operators.resonance.HarmonicController} is its Flink adapter, reading the
 * reports, not the profiles). {@link io.resonance.mesh.operators.resonance.HarmonicRules}
 * proposes one bounded change of the knob the evidence points at (the cores ceiling while chunks
 * time out; oversubscription: parallelism; timeouts: chunk size, then the timeout; idle: more
 * parallelism). The change is judged on the orders issued under it (each order carries its
 * params version), paired by agent with the same agent's last order before it ({@link
 * io.resonance.mesh.operators.resonance.OrderComparison}); the subset settles when nothing is
 * left to change and explores again only when its orders drift. {@link
 * io.resonance.mesh.operators.resonance.WorkLoop} places each agent in a subset once, from its
 * own latency under the base command, so a subset keeps its members when its params change. The
 * profiles ({@link io.resonance.mesh.operators.resonance.ResonanceProfiler}) remain the loop's
 * picture for people on {@code mesh.resonance}.
 */
package io.resonance.mesh.operators.resonance;
