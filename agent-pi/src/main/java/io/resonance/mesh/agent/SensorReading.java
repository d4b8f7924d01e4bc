package io.resonance.mesh.agent;

/**
 * One sample of the device's state over the last interval. {@code load1m} and {@code temperatureC}
 * are null where the device does not expose them.
 */
public record SensorReading(
    double cpuPercent,
    double memoryPercent,
    double netRxBytesPerS,
    double netTxBytesPerS,
    Float load1m,
    Float temperatureC) {}
