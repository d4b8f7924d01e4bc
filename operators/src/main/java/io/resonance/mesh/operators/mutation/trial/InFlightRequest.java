package io.resonance.mesh.operators.mutation.trial;

import java.util.HashMap;
import java.util.Map;

/**
 * A recipe request whose graph instance has not ended: which spec it runs, whether it is a trial
 * run, and its seed, kept so that a failed trial run can be run again on the live recipe. A Flink
 * POJO, keyed state of the recipe, by instance id.
 */
public class InFlightRequest {

  public String requestId;
  public String specId;
  public boolean candidate;

  /** A second run, on the live recipe, of a request whose trial run failed. */
  public boolean rerun;

  public long routedAtMs;
  public Map<String, String> seed = new HashMap<>();

  public InFlightRequest() {}

  InFlightRequest(
      String requestId,
      String specId,
      boolean candidate,
      boolean rerun,
      long routedAtMs,
      Map<String, String> seed) {
    this.requestId = requestId;
    this.specId = specId;
    this.candidate = candidate;
    this.rerun = rerun;
    this.routedAtMs = routedAtMs;
    this.seed = new HashMap<>(seed);
  }
}
