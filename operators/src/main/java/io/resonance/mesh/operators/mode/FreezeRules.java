package io.resonance.mesh.operators.mode;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.FreezeOrder;
import io.resonance.mesh.avro.FreezeScope;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.TargetSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Which coordination requests a freeze stops. A frozen scope takes no new work, so a request is
 * refused when it could reach an agent there:
 *
 * <ul>
 *   <li>a frozen mesh (GLOBAL) refuses every request;
 *   <li>a request for sectors or clusters is refused when one of them is frozen, lies in a frozen
 *       sector, or holds a frozen cluster; clusters belong to a sector by their id, {@code
 *       SECTOR-...}, as the fleet names them;
 *   <li>any other selector (all, class, capability, ids, sample) is refused while any scope is
 *       frozen, because the gate cannot tell where those agents are; the refusal says to name a
 *       sector or cluster outside the frozen scopes.
 * </ul>
 *
 * Pure: {@link FreezeGate} holds the orders in broadcast state and asks these rules.
 */
public final class FreezeRules {

  public static final String RULE = "freeze";

  private FreezeRules() {}

  /** The key of an order on the compacted topic and in broadcast state: {@code SCOPE:scope_id}. */
  public static String key(FreezeScope scope, String scopeId) {
    return scope.name() + ':' + scopeId;
  }

  public static String key(FreezeOrder order) {
    return key(order.getScope(), order.getScopeId());
  }

  /** Empty when no freeze in force stops the request, else why it is refused. */
  public static Optional<ModeRules.Admission> decide(
      CoordinationRequest request, Collection<FreezeOrder> orders) {
    List<FreezeOrder> frozen = orders.stream().filter(FreezeOrder::getFrozen).toList();
    if (frozen.isEmpty()) {
      return Optional.empty();
    }
    Optional<FreezeOrder> global =
        frozen.stream().filter(o -> o.getScope() == FreezeScope.GLOBAL).findFirst();
    if (global.isPresent()) {
      return Optional.of(
          refusal(
              "the mesh is frozen",
              global.get(),
              "thaw the mesh (./mesh thaw) when it may take work again"));
    }
    TargetSelector targets = request.getTargets();
    SelectorKind kind = targets == null ? SelectorKind.ALL : targets.getKind();
    if (kind == SelectorKind.SECTOR || kind == SelectorKind.CLUSTER) {
      for (String value : targets.getValues()) {
        for (FreezeOrder o : frozen) {
          if (reaches(kind, value, o)) {
            return Optional.of(
                refusal(
                    kind.name().toLowerCase(java.util.Locale.ROOT)
                        + " "
                        + value
                        + " is in frozen "
                        + describe(o),
                    o,
                    "target scopes outside the frozen ones, or thaw " + describe(o)));
          }
        }
      }
      return Optional.empty();
    }
    List<String> scopes = new ArrayList<>();
    frozen.forEach(o -> scopes.add(describe(o)));
    return Optional.of(
        refusal(
            kind + " targets may include agents of frozen " + String.join(", ", scopes),
            frozen.get(0),
            "select a sector or cluster outside the frozen scopes (--select sector:ID), or thaw"));
  }

  private static boolean reaches(SelectorKind kind, String value, FreezeOrder o) {
    String id = o.getScopeId();
    if (kind == SelectorKind.SECTOR) {
      return o.getScope() == FreezeScope.SECTOR ? id.equals(value) : id.startsWith(value + "-");
    }
    return o.getScope() == FreezeScope.CLUSTER ? id.equals(value) : value.startsWith(id + "-");
  }

  private static String describe(FreezeOrder o) {
    return o.getScope() == FreezeScope.GLOBAL
        ? "mesh"
        : o.getScope().name().toLowerCase(java.util.Locale.ROOT) + " " + o.getScopeId();
  }

  private static ModeRules.Admission refusal(String what, FreezeOrder o, String instead) {
    String since =
        " (frozen at "
            + Instant.ofEpochMilli(o.getAtMs())
            + (o.getBy().isEmpty() ? "" : " by " + o.getBy())
            + (o.getReason().isEmpty() ? "" : ": " + o.getReason())
            + ")";
    return new ModeRules.Admission(false, RULE, what + since, instead, 0);
  }
}
