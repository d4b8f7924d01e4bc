package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loop's accounting replayed from reports: done, retried, given up, finished. */
class WorkProgressTest {

  private static final ChunkParams PARAMS = new ChunkParams(10, 2, 1_000L, 0.0);

  private static WorkJob job() {
    return WorkJob.newBuilder()
        .setJobId("job-1")
        .setCommand("resize")
        .setBase(PARAMS)
        .setItemsPerAgent(50)
        .setOrderItems(30)
        .setMaxAttempts(2)
        .setAgents(List.of(new JobAgent("a-1", AgentClass.A), new JobAgent("e-1", AgentClass.E)))
        .setSubmittedAtMs(0)
        .build();
  }

  private static WorkReport report(String agent, int order, int done, int timedOut) {
    return report("job-1", agent, order, done, timedOut);
  }

  private static WorkReport report(String job, String agent, int order, int done, int timedOut) {
    return WorkReport.newBuilder()
        .setOrderId(job + "/" + agent + "/" + order)
        .setJobId(job)
        .setCommand("resize")
        .setAgentId(agent)
        .setAgentClass(AgentClass.A)
        .setIteration(0)
        .setParams(PARAMS)
        .setStartedAtMs(0)
        .setFinishedAtMs(1)
        .setChunksDone(done)
        .setChunksTimedOut(timedOut)
        .build();
  }

  @Test
  void anAgentWithoutTimeoutsFinishesInTwoOrdersOfThirtyAndTwenty() {
    WorkProgress p = new WorkProgress(job());
    assertThat(p.take(report("a-1", 0, 3, 0), 1)).isTrue();
    assertThat(p.take(report("a-1", 1, 2, 0), 2)).isTrue();
    assertThat(p.itemsDone()).isEqualTo(50);
    assertThat(p.agentsFinished()).isEqualTo(1);
    assertThat(p.finished()).isFalse();
  }

  @Test
  void itemsThatTimeOutMaxAttemptsTimesAreGivenUpAndTheJobStillFinishes() {
    WorkProgress p = new WorkProgress(job());
    p.take(report("a-1", 0, 3, 0), 1);
    p.take(report("a-1", 1, 2, 0), 1);
    // e-1: 30 items, one chunk of 10 times out: 20 done, 10 back for a second try.
    p.take(report("e-1", 0, 2, 1), 1);
    // Next order draws the 10 retried first, then 20 fresh; the retried chunk times out again.
    p.take(report("e-1", 1, 2, 1), 2);
    assertThat(p.itemsGivenUp()).isEqualTo(10);
    assertThat(p.itemsDone()).isEqualTo(50 + 20 + 20);
    assertThat(p.finished()).isTrue();
    assertThat(p.itemsDone() + p.itemsGivenUp()).isEqualTo(p.itemsTotal());
  }

  @Test
  void repeatedStrangeAndOtherJobsReportsChangeNothing() {
    WorkProgress p = new WorkProgress(job());
    p.take(report("a-1", 0, 3, 0), 1);
    assertThat(p.take(report("a-1", 0, 3, 0), 2)).isFalse();
    assertThat(p.take(report("job-0", "a-1", 5, 3, 0), 2)).isFalse();
    assertThat(p.take(report("x-9", 0, 3, 0), 2)).isFalse();
    assertThat(p.reports()).isEqualTo(1);
    assertThat(p.itemsDone()).isEqualTo(30);
  }
}
