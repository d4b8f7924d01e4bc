/**
 * Trials of recipe mutations: which variant of a recipe requests run, how each side of a trial is
 * measured, and what the verdict does.
 *
 * <pre>
 * mesh.gcl ──────────────┐
 * mesh.recipe-requests ──┤                                ┌─▶ mesh.results (seeds)
 * mesh.graph-events ─────┼─▶ RecipeMutator (keyed by ─────┼─▶ mesh.gcl (variants)
 * mesh.recipe-commands ──┘    recipe; the rules are       ├─▶ mesh.mutations (the log)
 *                             MutationEngine's)           └─▶ mesh.dlq
 * </pre>
 *
 * <p>{@link io.resonance.mesh.operators.mutation.trial.MutationEngine} holds the loop as pure code
 * over a store, so the Flink operator and the benchmark run the same rules; {@link
 * io.resonance.mesh.operators.mutation.trial.OperatorBandit} chooses the operator of each trial;
 * the state types are Flink POJOs.
 */
package io.resonance.mesh.operators.mutation.trial;
