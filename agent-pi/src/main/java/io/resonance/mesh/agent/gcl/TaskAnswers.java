package io.resonance.mesh.agent.gcl;

import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclTask;

/** The result a handler sends for a task: same instance, spec, attempt; the task's output. */
public final class TaskAnswers {

  private TaskAnswers() {}

  public static GclResult ok(GclTask task, String value, long atMs) {
    return base(task, atMs).setValue(value).setStatus(GclResultStatus.OK).build();
  }

  public static GclResult failed(GclTask task, String error, long atMs) {
    return base(task, atMs).setStatus(GclResultStatus.FAILED).setError(error).build();
  }

  private static GclResult.Builder base(GclTask task, long atMs) {
    return GclResult.newBuilder()
        .setInstanceId(task.getInstanceId())
        .setSpecId(task.getSpecId())
        .setItem(task.getOutput())
        .setProducedBy(task.getComputation())
        .setAttempt(task.getAttempt())
        .setAtMs(atMs);
  }
}
