package io.resonance.mesh.operators.resonance;

/**
 * One agent's share of a work job: the items it still holds, counted by how many times their chunk
 * has timed out, what it finished and gave up, its subset, and the order it is running. A Flink
 * POJO; part of the savepoint format of {@link WorkDispatcher}: add fields, never rename.
 */
public class AgentShare {

  public String agentId;
  public String agentClass;

  /** The subset the loop placed the agent in; empty until placed. */
  public String subset = "";

  /** Whether the agent is in the initial share, which runs the base command first. */
  public boolean cohort;

  /** Its own median chunk latency under the base params, once measured; NaN before. */
  public double baseMedianMs = Double.NaN;

  /** Items still to run, by how many times their chunk timed out: [0] never ran. */
  public long[] pending;

  public long done;
  public long givenUp;
  public int orders;

  /** Whether all its items are done or given up (counted once in the plan). */
  public boolean finished;

  /** The order running now, or null. */
  public String orderId;

  /** The items of the order running now, by timeouts suffered, as in {@link #pending}. */
  public long[] drawn;

  /** When the running order is overdue (its report lost, or its agent gone), mesh clock ms. */
  public long orderDeadlineMs;

  /** How often the running order was sent again after its deadline passed. */
  public int orderResends;

  /** The running order as sent (Avro single-object encoding), to send it again unchanged. */
  public byte[] runningOrder;

  public AgentShare() {}

  public static AgentShare of(String agentId, String agentClass, long items, int maxAttempts) {
    AgentShare s = new AgentShare();
    s.agentId = agentId;
    s.agentClass = agentClass;
    s.pending = new long[maxAttempts];
    s.pending[0] = items;
    s.drawn = new long[maxAttempts];
    return s;
  }

  public long remaining() {
    long n = 0;
    for (long p : pending) {
      n += p;
    }
    return n;
  }

  public boolean running() {
    return orderId != null;
  }

  /**
   * Takes up to {@code n} items for an order, those that timed out most first: an item close to
   * being given up gets its next try while the agent's params are freshest.
   */
  public long draw(long n) {
    long taken = 0;
    for (int k = pending.length - 1; k >= 0 && taken < n; k--) {
      long t = Math.min(pending[k], n - taken);
      pending[k] -= t;
      drawn[k] = t;
      taken += t;
    }
    return taken;
  }

  /**
   * Settles the running order from its report: what the agent says it finished is done; the rest
   * (timed out, failed, never started) goes back to be tried again.
   */
  public void settle(io.resonance.mesh.avro.WorkReport r) {
    long drawnNow = 0;
    for (long d : drawn) {
      drawnNow += d;
    }
    settle(drawnNow - Math.min(drawnNow, (long) r.getChunksDone() * r.getParams().getChunkSize()));
  }

  /**
   * Settles the running order: {@code lost} of its items were in chunks that timed out. The losses
   * fall on the items that had timed out most (they are the slow ones); an item that has now timed
   * out {@code pending.length} times is given up.
   */
  void settle(long lost) {
    long toLose = lost;
    for (int k = drawn.length - 1; k >= 0; k--) {
      long l = Math.min(drawn[k], toLose);
      toLose -= l;
      done += drawn[k] - l;
      if (k + 1 < pending.length) {
        pending[k + 1] += l;
      } else {
        givenUp += l;
      }
      drawn[k] = 0;
    }
    orderId = null;
    orderDeadlineMs = 0;
    orderResends = 0;
    runningOrder = null;
  }
}
