package io.resonance.mesh.operators.mode;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.FreezeOrder;
import io.resonance.mesh.avro.FreezeScope;
import io.resonance.mesh.avro.SelectorKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * A freeze stops exactly the requests that could reach a frozen agent: checked on generated
 * topologies, freezes and requests against an oracle that reasons over clusters.
 */
class FreezeRulesTest {

  private static final int SECTORS = 4;
  private static final int CLUSTERS = 3;

  private static String cluster(int s, int c) {
    return sector(s) + "-c0" + c;
  }

  private static String sector(int s) {
    return "s00" + s;
  }

  private static FreezeOrder order(FreezeScope scope, String id, boolean frozen) {
    return FreezeOrder.newBuilder()
        .setScope(scope)
        .setScopeId(id)
        .setFrozen(frozen)
        .setReason("drill")
        .setBy("ana")
        .setAtMs(1_000)
        .build();
  }

  /** The clusters a freeze covers. */
  private static Set<String> covered(FreezeOrder o) {
    Set<String> out = new HashSet<>();
    for (int s = 0; s < SECTORS; s++) {
      for (int c = 0; c < CLUSTERS; c++) {
        boolean in =
            switch (o.getScope()) {
              case GLOBAL -> true;
              case SECTOR -> sector(s).equals(o.getScopeId());
              case CLUSTER -> cluster(s, c).equals(o.getScopeId());
            };
        if (in && o.getFrozen()) {
          out.add(cluster(s, c));
        }
      }
    }
    return out;
  }

  /** The clusters a request may reach: named ones, or, for any other selector, all. */
  private static Set<String> reached(SelectorKind kind, List<String> values) {
    Set<String> out = new HashSet<>();
    for (int s = 0; s < SECTORS; s++) {
      for (int c = 0; c < CLUSTERS; c++) {
        boolean in =
            switch (kind) {
              case SECTOR -> values.contains(sector(s));
              case CLUSTER -> values.contains(cluster(s, c));
              default -> true;
            };
        if (in) {
          out.add(cluster(s, c));
        }
      }
    }
    return out;
  }

  @RepeatedTest(400)
  void aRequestIsRefusedExactlyWhenItCouldReachAFrozenCluster(RepetitionInfo run) {
    SplittableRandom random = new SplittableRandom(run.getCurrentRepetition());
    List<FreezeOrder> orders = new ArrayList<>();
    for (int i = random.nextInt(4); i > 0; i--) {
      int kind = random.nextInt(10);
      boolean frozen = random.nextInt(4) > 0;
      int s = random.nextInt(SECTORS);
      orders.add(
          kind == 0
              ? order(FreezeScope.GLOBAL, "mesh", frozen)
              : kind < 5
                  ? order(FreezeScope.SECTOR, sector(s), frozen)
                  : order(FreezeScope.CLUSTER, cluster(s, random.nextInt(CLUSTERS)), frozen));
    }
    SelectorKind kind = SelectorKind.values()[random.nextInt(SelectorKind.values().length)];
    List<String> values = new ArrayList<>();
    for (int i = 1 + random.nextInt(2); i > 0; i--) {
      int s = random.nextInt(SECTORS);
      values.add(
          kind == SelectorKind.SECTOR
              ? sector(s)
              : kind == SelectorKind.CLUSTER ? cluster(s, random.nextInt(CLUSTERS)) : "x" + i);
    }
    CoordinationRequest request = ModeRulesTest.request(2, kind, values.toArray(String[]::new));

    Set<String> frozen = new HashSet<>();
    orders.forEach(o -> frozen.addAll(covered(o)));
    Set<String> reach = reached(kind, values);
    reach.retainAll(frozen);

    Optional<ModeRules.Admission> refused = FreezeRules.decide(request, orders);
    assertThat(refused.isPresent())
        .as("%s %s under %s", kind, values, orders)
        .isEqualTo(!reach.isEmpty());
    refused.ifPresent(
        a -> {
          assertThat(a.admitted()).isFalse();
          assertThat(a.rule()).isEqualTo(FreezeRules.RULE);
          assertThat(a.reason()).contains("frozen").contains("drill").contains("ana");
          assertThat(a.recommendation()).contains("thaw");
        });
  }

  @Test
  void aThawedScopeStopsNothing() {
    assertThat(
            FreezeRules.decide(
                ModeRulesTest.request(2, SelectorKind.ALL),
                List.of(order(FreezeScope.GLOBAL, "mesh", false))))
        .isEmpty();
  }
}
