package io.resonance.mesh.agent;

/**
 * A configuration the agent cannot run with. The message names the key, the bad value and what to
 * do instead; {@link AgentMain} prints it and exits with code 2.
 */
public final class AgentConfigException extends Exception {
  public AgentConfigException(String message) {
    super(message);
  }
}
