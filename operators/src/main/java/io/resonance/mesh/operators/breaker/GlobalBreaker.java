package io.resonance.mesh.operators.breaker;

import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import java.util.Locale;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The GLOBAL breaker of seed part 6.2: OPEN while more than {@link
 * BreakerSettings#globalOpenSectors()} sector breakers are OPEN, CLOSED again as soon as no more
 * are. Fed with the SECTOR {@link BreakerState}s of {@link CircuitBreaker} and keyed by {@link
 * #KEY}, a single key: the count needs every sector in one place, and sector transitions are rare
 * (a handful a minute at worst), so one instance is plenty. Owns the set of OPEN sectors and the
 * last GLOBAL state it emitted.
 *
 * <p>Only OPEN sectors count: a HALF_OPEN sector is already taking probe traffic, so the mesh is
 * recovering there, and holding the whole mesh shut for it would starve the probes that decide. The
 * GLOBAL breaker has no half-open of its own for the same reason: the sector breakers probe. The
 * GLOBAL record's {@code failures} is the number of OPEN sectors at the transition. The set ends
 * with its sectors (a CLOSED or HALF_OPEN state removes the entry), and the GLOBAL state ends when
 * it closes.
 */
public class GlobalBreaker extends KeyedProcessFunction<String, BreakerState, BreakerState> {

  private static final long serialVersionUID = 1L;

  /** Sector id to the time it opened; part of the savepoint format, never rename. */
  public static final MapStateDescriptor<String, Long> OPEN_SECTORS_STATE =
      new MapStateDescriptor<>("global-breaker-open-sectors", Types.STRING, Types.LONG);

  /** The GLOBAL state last emitted, absent while CLOSED; savepoint format. */
  public static final ValueStateDescriptor<BreakerState> GLOBAL_STATE =
      new ValueStateDescriptor<>("global-breaker-state", new AvroTypeInfo<>(BreakerState.class));

  public static final String UID = "global-breaker";

  public static final String NAME = "Global circuit breaker";

  /** Every sector state goes to the one key of the GLOBAL breaker. */
  public static final KeySelector<BreakerState, String> KEY = state -> ScopeKey.GLOBAL;

  private final int maxOpenSectors;

  private transient MapState<String, Long> openSectors;
  private transient ValueState<BreakerState> global;

  public GlobalBreaker() {
    this(BreakerSettings.DEFAULTS);
  }

  public GlobalBreaker(BreakerSettings settings) {
    this.maxOpenSectors = settings.globalOpenSectors();
  }

  @Override
  public void open(OpenContext openContext) {
    openSectors = getRuntimeContext().getMapState(OPEN_SECTORS_STATE);
    global = getRuntimeContext().getState(GLOBAL_STATE);
  }

  @Override
  public void processElement(BreakerState sector, Context ctx, Collector<BreakerState> out)
      throws Exception {
    if (sector == null || sector.getScope() != BreakerScope.SECTOR || sector.getScopeId() == null) {
      return;
    }
    if (sector.getState() == CircuitState.OPEN) {
      openSectors.put(sector.getScopeId(), sector.getChangedAtMs());
    } else {
      openSectors.remove(sector.getScopeId());
    }
    int open = 0;
    for (String ignored : openSectors.keys()) {
      open++;
    }
    long now = ctx.timerService().currentProcessingTime();
    BreakerState current = global.value();
    boolean wasOpen = current != null;
    boolean isOpen = open > maxOpenSectors;
    if (isOpen == wasOpen) {
      return;
    }
    BreakerState next =
        BreakerState.newBuilder()
            .setScope(BreakerScope.GLOBAL)
            .setScopeId(ScopeKey.MESH)
            .setState(isOpen ? CircuitState.OPEN : CircuitState.CLOSED)
            .setChangedAtMs(now)
            .setNextCheckAtMs(null)
            .setFailures(open)
            .setTrips(isOpen ? 1 : 0)
            .setReason(
                String.format(
                    Locale.ROOT,
                    isOpen
                        ? "%d sectors OPEN, more than %d: only critical requests (priority 3) are"
                            + " sent"
                        : "%d sectors OPEN, no more than %d: the mesh takes traffic again",
                    open,
                    maxOpenSectors))
            .build();
    if (isOpen) {
      global.update(next);
    } else {
      global.clear();
    }
    out.collect(next);
  }
}
