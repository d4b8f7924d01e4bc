/**
 * Recipe mutation, the rules half of the mutation job: rewrites of a recipe's GCL graph that keep
 * its meaning and may make it quicker or cheaper, for an A/B test to try on a share of requests.
 *
 * <p>A {@link io.resonance.mesh.operators.mutation.HandlerCatalog} says what the graph cannot:
 * which handlers are equivalent, deterministic, how slow, how large their output, which inputs they
 * only wait on, which shrink an item. Each {@link
 * io.resonance.mesh.operators.mutation.RecipeMutation} proposes variants ({@link
 * io.resonance.mesh.operators.mutation.MutationProposal}); the {@link
 * io.resonance.mesh.operators.mutation.MutationValidator} accepts or refuses each against the
 * recipe; {@link io.resonance.mesh.operators.mutation.MutationLibrary} puts the two together. Pure
 * Java, no Flink: {@code mutation.trial} runs the trials of what it proposes, in Flink.
 */
package io.resonance.mesh.operators.mutation;
