/**
 * Adaptive command resonance (issue 4): a chunked command is tuned per subset of the fleet from
 * what the agents measured running it.
 *
 * <p>The loop, as Kafka topics and operators:
 *
 * <pre>
 * mesh.work-reports ──▶ ResonanceProfiler (keyed by command, event-time windows)
 *                          │ ResonanceProfile: frequency map (chunk latency) and amplitude map
 *                          │ (CPU, memory, network), overall and per subset (class × band)
 *                          ▼
 *                       HarmonicController (keyed by command; a SubsetTuner per subset)
 *                          │ HarmonicAdjustment: APPLY, KEEP, ROLLBACK, HOLD, INEFFECTIVE
 *                          ▼
 *                       mesh.harmonics ──▶ the dispatcher, which sends each agent's next
 *                          WorkOrder (mesh.work) with its subset's params
 * </pre>
 *
 * <p>What decides: {@link io.resonance.mesh.operators.resonance.HarmonicRules} proposes one
 * bounded change of one knob (amplitude: parallelism, then a rate limit; frequency: chunk size,
 * then the timeout; headroom: more parallelism); {@link
 * io.resonance.mesh.operators.resonance.SubsetTuner} applies it, waits out the stabilisation,
 * judges it on goodput (items finished per second per instance, timed-out chunks lost) and keeps
 * it, rolls it back, or reverts it as ineffective, never trying a failed rule again for that
 * subset. {@link io.resonance.mesh.operators.resonance.HarmonicController} runs one tuner per
 * subset on the profiles' event time and writes every decision with its evidence.
 */
package io.resonance.mesh.operators.resonance;
