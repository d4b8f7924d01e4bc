package io.resonance.mesh.operators.resonance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.HarmonicAction;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WorkLoopTest {

  static final ChunkParams BASE = new ChunkParams(10, 8, 60_000L, 0.0);

  /** 10 Pis (E) and 5 servers (B), 100 items each, orders of 40. */
  static WorkJob job(String id) {
    List<JobAgent> agents = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      agents.add(new JobAgent("pi-" + i, AgentClass.E));
    }
    for (int i = 0; i < 5; i++) {
      agents.add(new JobAgent("srv-" + i, AgentClass.B));
    }
    return WorkJob.newBuilder()
        .setJobId(id)
        .setCommand("resize")
        .setBase(BASE)
        .setItemsPerAgent(100)
        .setOrderItems(40)
        .setMaxAttempts(2)
        .setAgents(agents)
        .setSubmittedAtMs(0)
        .build();
  }

  /** The report of an order: every chunk took {@code latencyMs}; {@code timedOut} of them lost. */
  static WorkReport report(WorkOrder o, AgentClass c, int latencyMs, int timedOut) {
    return WorkReport.newBuilder()
        .setOrderId(o.getOrderId())
        .setJobId(o.getJobId())
        .setCommand(o.getCommand())
        .setAgentId(o.getAgentId())
        .setAgentClass(c)
        .setIteration(o.getIteration())
        .setSubset(o.getSubset())
        .setAdjustmentId(o.getAdjustmentId())
        .setParams(o.getParams())
        .setStartedAtMs(0)
        .setFinishedAtMs(1_000)
        .setChunksDone(o.getChunks() - timedOut)
        .setChunksTimedOut(timedOut)
        .setChunkLatencyMs(Collections.nCopies(o.getChunks(), latencyMs))
        .build();
  }

  static HarmonicAdjustment decision(String subset, ChunkParams params, int iteration) {
    return HarmonicAdjustment.newBuilder()
        .setAdjustmentId("resize/" + subset + "/" + iteration)
        .setJobId("job-1")
        .setCommand("resize")
        .setSubset(subset)
        .setIteration(iteration)
        .setDecidedAtMs(0)
        .setAction(HarmonicAction.APPLY)
        .setParams(params)
        .setExplanation("test")
        .build();
  }

  static AgentClass classOf(String agent) {
    return agent.startsWith("pi") ? AgentClass.E : AgentClass.B;
  }

  @Test
  void theBaseCommandGoesFirstToTheInitialShareOfEveryClass() throws Exception {
    WorkLoop loop = new WorkLoop(new WorkLoop.MemoryStore());
    List<WorkOrder> first = loop.start(job("job-1"), 0);

    assertThat(first)
        .extracting(o -> classOf(o.getAgentId()))
        .containsExactlyInAnyOrder(AgentClass.E, AgentClass.E, AgentClass.B); // ceil(20 %)
    assertThat(first)
        .allSatisfy(
            o -> {
              assertThat(o.getParams()).isEqualTo(BASE);
              assertThat(o.getSubset()).isEmpty();
              assertThat(o.getAdjustmentId()).isEqualTo("base");
              assertThat(o.getChunks()).isEqualTo(4); // 40 items in chunks of 10
            });
  }

  @Test
  void theFleetIsReleasedWhenTheInitialShareHasReportedEachAgentInItsSubsetsParams()
      throws Exception {
    WorkLoop loop = new WorkLoop(new WorkLoop.MemoryStore());
    List<WorkOrder> first = loop.start(job("job-1"), 0);
    ChunkParams smaller = new ChunkParams(5, 8, 60_000L, 0.0);
    loop.onHarmonic(decision("E/slow", smaller, 1)); // from an earlier job of the command
    // One Pi is four times slower than the other agents of the initial share; it reports last.
    WorkOrder slowPi =
        first.stream().filter(o -> o.getAgentId().startsWith("pi")).findFirst().orElseThrow();
    List<WorkOrder> others = first.stream().filter(o -> o != slowPi).toList();
    for (WorkOrder o : others) {
      List<WorkOrder> next = loop.onReport(report(o, classOf(o.getAgentId()), 1_000, 0), 1_000);
      assertThat(next)
          .as("the initial share works on, unplaced, on the base command")
          .singleElement()
          .satisfies(
              n -> {
                assertThat(n.getAgentId()).isEqualTo(o.getAgentId());
                assertThat(n.getParams()).isEqualTo(BASE);
                assertThat(n.getSubset()).isEmpty();
              });
    }

    List<WorkOrder> released = loop.onReport(report(slowPi, AgentClass.E, 4_000, 0), 2_000);

    Map<String, WorkOrder> byAgent =
        released.stream().collect(Collectors.toMap(WorkOrder::getAgentId, Function.identity()));
    assertThat(byAgent).as("the last of the initial share and the 12 that waited").hasSize(13);
    WorkOrder slow = byAgent.get(slowPi.getAgentId());
    assertThat(slow.getSubset()).isEqualTo("E/slow");
    assertThat(slow.getParams()).isEqualTo(smaller);
    assertThat(slow.getChunks()).isEqualTo(8);
    assertThat(slow.getAdjustmentId()).isEqualTo("resize/E/slow/1");
    // The other measured Pi was fast; the Pis that ran nothing follow it, not the slow one.
    assertThat(released)
        .filteredOn(o -> o != slow && o.getAgentId().startsWith("pi"))
        .allSatisfy(
            o -> {
              assertThat(o.getSubset()).isEqualTo("E/fast");
              assertThat(o.getParams()).isEqualTo(BASE);
            });
    assertThat(released)
        .filteredOn(o -> o.getAgentId().startsWith("srv"))
        .extracting(WorkOrder::getSubset)
        .containsOnly("B/fast");
    // An agent of the initial share still running its unplaced order is placed on its report.
    WorkOrder fastPi =
        others.stream().filter(o -> o.getAgentId().startsWith("pi")).findFirst().orElseThrow();
    WorkOrder running =
        WorkOrder.newBuilder(fastPi).setOrderId("job-1/" + fastPi.getAgentId() + "/1").build();
    assertThat(loop.onReport(report(running, AgentClass.E, 1_000, 0), 3_000))
        .singleElement()
        .extracting(WorkOrder::getSubset)
        .isEqualTo("E/fast");
  }

  @Test
  void timedOutItemsAreRetriedThenGivenUpAndTheJobFinishes() throws Exception {
    WorkLoop.MemoryStore store = new WorkLoop.MemoryStore();
    WorkLoop loop = new WorkLoop(store);
    List<WorkOrder> pending = new ArrayList<>(loop.start(job("job-1"), 0));
    pending.addAll(loop.onWaitOver(1));
    int rounds = 0;
    while (!pending.isEmpty()) {
      List<WorkOrder> next = new ArrayList<>();
      for (WorkOrder o : pending) {
        // Pi chunks always time out (one chunk in every order); servers never do.
        next.addAll(
            loop.onReport(
                report(o, classOf(o.getAgentId()), 500, o.getAgentId().startsWith("pi") ? 1 : 0),
                10 + rounds));
      }
      pending = next;
      assertThat(++rounds).as("the job ends").isLessThan(20);
    }

    WorkPlan plan = store.plan();
    assertThat(plan.finished()).isTrue();
    assertThat(plan.agentsFinished).as("each agent counted once").isEqualTo(15);
    assertThat(plan.finishedAtMs).isPositive();
    assertThat(plan.itemsDone + plan.itemsGivenUp).isEqualTo(15 * 100);
    assertThat(store.share("srv-0").done).isEqualTo(100);
    // Each Pi order loses one chunk (10 items); with two attempts allowed they are given up.
    assertThat(store.share("pi-0").givenUp).isPositive();
    assertThat(store.share("pi-0").done + store.share("pi-0").givenUp).isEqualTo(100);
  }

  @Test
  void theFleetDoesNotIdleForTheLastOfTheInitialShare() throws Exception {
    List<JobAgent> fifty = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      fifty.add(new JobAgent("a-" + i, AgentClass.A));
    }
    WorkLoop.MemoryStore store = new WorkLoop.MemoryStore();
    WorkLoop loop = new WorkLoop(store);
    List<WorkOrder> first =
        loop.start(WorkJob.newBuilder(job("job-1")).setAgents(fifty).build(), 0);
    assertThat(first).hasSize(10);
    for (WorkOrder o : first.subList(0, 8)) {
      loop.onReport(report(o, AgentClass.A, 100, 0), 1);
    }
    assertThat(store.plan().released).isFalse();
    List<WorkOrder> released = loop.onReport(report(first.get(8), AgentClass.A, 100, 0), 2);
    assertThat(store.plan().released).as("nine in ten reported").isTrue();
    assertThat(released).hasSize(41); // the ninth's next order and the forty that waited
  }

  @Test
  void anAgentThatFinishedBeforeTheReleaseIsNotCountedTwice() throws Exception {
    WorkLoop.MemoryStore store = new WorkLoop.MemoryStore();
    WorkLoop loop = new WorkLoop(store);
    // Everyone in the initial share, each with one order of all its items.
    List<WorkOrder> all =
        loop.start(
            WorkJob.newBuilder(job("job-1")).setInitialShare(1.0).setOrderItems(100).build(), 0);
    assertThat(all).hasSize(15);
    for (WorkOrder o : all) {
      loop.onReport(report(o, classOf(o.getAgentId()), 100, 0), 1);
    }
    assertThat(store.plan().agentsFinished).isEqualTo(15);
    assertThat(store.plan().released).isTrue();
  }

  @Test
  void repeatedStaleAndForeignReportsChangeNothingAndStrangersAreRefused() throws Exception {
    WorkLoop.MemoryStore store = new WorkLoop.MemoryStore();
    WorkLoop loop = new WorkLoop(store);
    WorkOrder o = loop.start(job("job-1"), 0).get(0);
    loop.onWaitOver(1);
    WorkReport r = report(o, classOf(o.getAgentId()), 100, 0);
    List<WorkOrder> next = loop.onReport(r, 2);
    assertThat(next).hasSize(1);

    assertThat(loop.onReport(r, 3)).as("the same report again").isEmpty();
    WorkReport otherJob =
        WorkReport.newBuilder(report(next.get(0), classOf(o.getAgentId()), 100, 0))
            .setJobId("job-0")
            .build();
    assertThat(loop.onReport(otherJob, 4)).isEmpty();
    assertThat(store.share(o.getAgentId()).done).isEqualTo(40);

    WorkReport stranger = WorkReport.newBuilder(r).setAgentId("intruder").build();
    assertThatThrownBy(() -> loop.onReport(stranger, 5))
        .isInstanceOf(WorkLoop.UnknownAgentException.class)
        .hasMessageContaining("intruder")
        .hasMessageContaining("job-1");
  }

  @Test
  void aJobThatCannotRunIsRefusedWithTheReason() {
    WorkLoop loop = new WorkLoop(new WorkLoop.MemoryStore());
    WorkJob noChunk =
        WorkJob.newBuilder(job("job-1")).setBase(new ChunkParams(0, 8, 1000L, 0.0)).build();
    WorkJob tinyOrders = WorkJob.newBuilder(job("job-1")).setOrderItems(5).build();
    WorkJob twice =
        WorkJob.newBuilder(job("job-1"))
            .setAgents(List.of(new JobAgent("a", AgentClass.A), new JobAgent("a", AgentClass.A)))
            .build();

    assertThatThrownBy(() -> loop.start(noChunk, 0)).hasMessageContaining("chunk_size");
    assertThatThrownBy(() -> loop.start(tinyOrders, 0)).hasMessageContaining("order_items");
    assertThatThrownBy(() -> loop.start(twice, 0)).hasMessageContaining("listed twice");
  }

  @Test
  void anOrderWhoseReportNeverComesIsSentAgainThenCountedAsTimedOutAndTheNextOrderGoesOut()
      throws Exception {
    WorkLoop.MemoryStore store = new WorkLoop.MemoryStore();
    WorkLoop loop = new WorkLoop(store);
    List<WorkOrder> first = new ArrayList<>(loop.start(job("job-1"), 0));
    first.addAll(loop.onWaitOver(1));
    WorkOrder lost =
        first.stream().filter(o -> o.getAgentId().equals("srv-0")).findFirst().orElseThrow();
    long deadline = WorkLoop.deadlineAfter(lost);
    // every other agent reports; srv-0's report is lost
    for (WorkOrder o : first) {
      if (o != lost) {
        loop.onReport(report(o, classOf(o.getAgentId()), 500, 0), 10);
      }
    }
    assertThat(loop.onDeadlines(deadline - 1))
        .as("nothing is overdue before its deadline")
        .noneMatch(o -> o.getAgentId().equals("srv-0"));

    // 1. past the deadline: the same order again, twice, each with a fresh deadline
    long at = deadline + 1;
    for (int resend = 1; resend <= WorkLoop.ORDER_RESENDS; resend++) {
      List<WorkOrder> again =
          loop.onDeadlines(at).stream().filter(o -> o.getAgentId().equals("srv-0")).toList();
      assertThat(again).as("resend %d", resend).containsExactly(lost);
      at += WorkLoop.deadlineAfter(lost) + 1;
    }

    // 2. then its items count as timed out and the next order goes out
    long doneBefore = store.share("srv-0").done;
    List<WorkOrder> next =
        loop.onDeadlines(at).stream().filter(o -> o.getAgentId().equals("srv-0")).toList();
    assertThat(next).hasSize(1);
    assertThat(next.get(0).getOrderId()).isNotEqualTo(lost.getOrderId());
    AgentShare s = store.share("srv-0");
    assertThat(s.done).as("nothing of the lost order counted done").isEqualTo(doneBefore);
    assertThat(s.pending[1] + s.drawn[1])
        .as("its items back with one timeout each")
        .isEqualTo(lost.getChunks() * (long) lost.getParams().getChunkSize());
    assertThat(store.plan().ordersOverdue).isEqualTo(1);

    // 3. a late report of the lost order changes nothing now
    assertThat(loop.onReport(report(lost, AgentClass.B, 500, 0), at + 1)).isEmpty();
    assertThat(store.share("srv-0").orderId).isEqualTo(next.get(0).getOrderId());
  }
}
