package io.resonance.mesh.agent.gcl;

/** A handler could not compute its output; the message becomes the FAILED result's error. */
public final class HandlerFailure extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public HandlerFailure(String message) {
    super(message);
  }
}
