package io.resonance.mesh.operators.mutation.trial;

import io.resonance.mesh.avro.GclSpec;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** One recipe's state in plain maps: for tests and the benchmark's simulated loop. */
public final class MemoryStore implements MutationEngine.Store {

  private RecipeBook book;
  private final Map<String, GclSpec> specs = new HashMap<>();
  private final Map<String, OperatorArm> arms = new LinkedHashMap<>();
  private final Map<String, String> tried = new LinkedHashMap<>();
  private final Map<String, InFlightRequest> inFlight = new HashMap<>();

  @Override
  public RecipeBook book() {
    return book;
  }

  @Override
  public void book(RecipeBook book) {
    this.book = book;
  }

  @Override
  public GclSpec spec(String specId) {
    return specs.get(specId);
  }

  @Override
  public void spec(GclSpec spec) {
    specs.put(spec.getSpecId(), spec);
  }

  @Override
  public Map<String, OperatorArm> arms() {
    return Map.copyOf(arms);
  }

  @Override
  public void arm(String operator, OperatorArm arm) {
    arms.put(operator, arm);
  }

  @Override
  public String tried(String variantKey) {
    return tried.get(variantKey);
  }

  @Override
  public void tried(String variantKey, String outcome) {
    tried.put(variantKey, outcome);
  }

  @Override
  public InFlightRequest inFlight(String instanceId) {
    return inFlight.get(instanceId);
  }

  @Override
  public Map<String, InFlightRequest> allInFlight() {
    return new LinkedHashMap<>(inFlight);
  }

  @Override
  public void inFlight(String instanceId, InFlightRequest request) {
    inFlight.put(instanceId, request);
  }

  @Override
  public void landed(String instanceId) {
    inFlight.remove(instanceId);
  }

  /** Requests whose graphs have not ended. */
  public int inFlightCount() {
    return inFlight.size();
  }
}
