package io.resonance.mesh.agent.gcl;

/**
 * One agent's sensors at one instant, as a {@code sensor_read} handler reports them. {@code
 * temperatureC} is null where the device has no thermal zone.
 */
public record Reading(
    String agentId, double cpuPercent, double memoryPercent, Double temperatureC) {}
