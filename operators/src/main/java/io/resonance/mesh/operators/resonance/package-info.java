/**
 * Adaptive command resonance: a chunked command is tuned per subset of the fleet from what the
 * agents measured running it.
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
 *     ▼
 * HarmonicController (keyed by command; a SubsetTuner per subset)
 *     │ HarmonicAdjustment: APPLY, KEEP, ROLLBACK, HOLD, INEFFECTIVE     ──▶ mesh.harmonics
 *     ▼
 * WorkDispatcher: the subset's params for its agents' next orders
 * </pre>
 *
 * <p>What decides: {@link io.resonance.mesh.operators.resonance.HarmonicRules} proposes one bounded
 * change of one knob (amplitude: parallelism, then a rate limit; frequency: chunk size, then the
 * timeout; headroom: more parallelism); {@link io.resonance.mesh.operators.resonance.SubsetTuner}
 * applies it, waits out the stabilisation, judges it on goodput (items finished per second per
 * instance, timed-out chunks lost) and keeps it, rolls it back, or reverts it as ineffective, never
 * trying a failed rule again for that subset. {@link
 * io.resonance.mesh.operators.resonance.HarmonicController} runs one tuner per subset on the
 * profiles' event time and writes every decision with its evidence. A change is proposed only on a
 * steady two-window baseline and judged on two windows with about the same agents, so agents
 * joining a subset are not taken for the change's effect. {@link
 * io.resonance.mesh.operators.resonance.WorkLoop} places each agent in a subset once, from its own
 * latency under the base command, so a subset keeps its members when its params change.
 */
package io.resonance.mesh.operators.resonance;
