package io.resonance.mesh.operators.mutation;

import java.util.Objects;
import java.util.Set;

/**
 * What the mutation operators may assume about one handler type. Every default is the cautious one:
 * a handler nobody described is equivalent to nothing, not deterministic, reads every input and
 * accepts no compact form, so no operator touches it.
 *
 * @param tags two handler types sharing a tag compute the same function of the same inputs
 * @param deterministic the same inputs always give the same output; only then may a cached result
 *     stand in for a run
 * @param waitsOn input items this handler waits for but never reads (an ordering-only input); every
 *     other input of a step running it is read
 * @param latencyMs expected time of one run, what caching saves
 * @param cost relative cost of one run, for choosing among equivalents
 * @param outputBytes expected size of the item it writes, what data-flow shrinking saves
 * @param compacts the item this handler shrinks to a compact form of itself, or null
 * @param acceptsCompact items this handler can read in their compact form instead of the full one
 * @param ignoresOtherInputs the handler picks its inputs by item name and ignores any other, so a
 *     mutation may hand it an extra item as a pure wait. False by default because the mesh's own
 *     handlers today recognise inputs by their content (a number is taken as the score, whatever
 *     its name), and for them an extra input could change the result
 */
public record HandlerProfile(
    String handlerType,
    Set<String> tags,
    boolean deterministic,
    Set<String> waitsOn,
    long latencyMs,
    double cost,
    long outputBytes,
    String compacts,
    Set<String> acceptsCompact,
    boolean ignoresOtherInputs) {

  public HandlerProfile {
    Objects.requireNonNull(handlerType, "handlerType");
    tags = Set.copyOf(tags);
    waitsOn = Set.copyOf(waitsOn);
    acceptsCompact = Set.copyOf(acceptsCompact);
  }

  /** The profile of a handler type the catalog does not describe. */
  public static HandlerProfile unknown(String handlerType) {
    return new HandlerProfile(
        handlerType, Set.of(), false, Set.of(), 0, 0, 0, null, Set.of(), false);
  }

  public boolean equivalentTo(HandlerProfile other) {
    return tags.stream().anyMatch(other.tags::contains);
  }
}
