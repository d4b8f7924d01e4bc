package io.resonance.mesh.agent.work;

/**
 * One command kind a real agent runs: what one work item of it is. A work order names its kind in
 * {@code command}; {@link WorkKinds} finds it. Chunks run concurrently, so an implementation is
 * called from several threads at once.
 */
public interface WorkKind {

  /** The command name work orders use for this kind. */
  String name();

  /**
   * Runs work item {@code item} of an order (items are numbered from 0 across its chunks) and
   * returns a value folded from the work, which the runner keeps so the JIT cannot drop it.
   */
  long runItem(long item);
}
