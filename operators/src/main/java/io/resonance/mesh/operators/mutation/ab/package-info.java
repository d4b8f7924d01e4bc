/**
 * Judging an A/B test of a mutated recipe against the live one: a rank test on latency and a
 * proportion test on failures, with a minimum sample count, rather than two means.
 */
package io.resonance.mesh.operators.mutation.ab;
