package io.resonance.mesh.agent;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids an agent acted on lately, each with the last answer it gave, so that a record delivered
 * twice (the command, task and work topics are at-least-once: a Flink failover replays them) is
 * answered again instead of acted on again. Bounded both in count and in age, whichever bites
 * first: a replay comes within minutes of the original, and an agent must not grow without end.
 *
 * <p>Pure: the caller passes the time. Synchronized, because an agent's reader records the ids and
 * its worker the answers.
 *
 * @param <V> the answer kept per id
 */
public final class SeenIds<V> {

  /** Enough for a replay of minutes at the rates a small device is sent work. */
  public static final int DEFAULT_MAX_IDS = 10_000;

  /** Longer than a Flink restart with its checkpoint interval, so a failover's replay is caught. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);

  /** Whether an id is new, and what was answered to it if not. */
  public record Sighting<V>(boolean duplicate, V answer) {
    /** A duplicate whose first delivery has not been answered yet (still working on it). */
    public boolean pending() {
      return duplicate && answer == null;
    }
  }

  private static final class Entry<V> {
    final long firstSeenMs;
    V answer;

    Entry(long firstSeenMs) {
      this.firstSeenMs = firstSeenMs;
    }
  }

  private final int maxIds;
  private final long maxAgeMs;

  /** In order of first sight, so the oldest is always at the head. */
  private final LinkedHashMap<String, Entry<V>> byId = new LinkedHashMap<>();

  private long duplicates;

  public SeenIds(int maxIds, Duration maxAge) {
    if (maxIds < 1 || maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException(
          "a window needs at least one id and a positive age, got "
              + maxIds
              + " ids and "
              + maxAge);
    }
    this.maxIds = maxIds;
    this.maxAgeMs = maxAge.toMillis();
  }

  public static <V> SeenIds<V> standard() {
    return new SeenIds<>(DEFAULT_MAX_IDS, DEFAULT_MAX_AGE);
  }

  /**
   * Records a delivery of {@code id} at {@code nowMs}: new ids are remembered from now on; a
   * duplicate comes back with the answer given to it, if any.
   */
  public synchronized Sighting<V> see(String id, long nowMs) {
    forgetOlderThan(nowMs - maxAgeMs);
    Entry<V> e = byId.get(id);
    if (e != null) {
      duplicates++;
      return new Sighting<>(true, e.answer);
    }
    while (byId.size() >= maxIds) {
      Iterator<Map.Entry<String, Entry<V>>> oldest = byId.entrySet().iterator();
      oldest.next();
      oldest.remove();
    }
    byId.put(id, new Entry<>(nowMs));
    return new Sighting<>(false, null);
  }

  /**
   * The answer given to {@code id}, replacing an earlier one (a command answered TRANSIT and then
   * READY is answered READY when it comes again). An id already forgotten stays forgotten.
   */
  public synchronized void answered(String id, V answer) {
    Entry<V> e = byId.get(id);
    if (e != null) {
      e.answer = answer;
    }
  }

  /** Forgets an id whose first delivery came to nothing, so a re-sent one is acted on. */
  public synchronized void forget(String id) {
    byId.remove(id);
  }

  public synchronized int size() {
    return byId.size();
  }

  /** Deliveries recognised as duplicates so far. */
  public synchronized long duplicates() {
    return duplicates;
  }

  private void forgetOlderThan(long cutoffMs) {
    Iterator<Entry<V>> it = byId.values().iterator();
    while (it.hasNext() && it.next().firstSeenMs < cutoffMs) {
      it.remove();
    }
  }
}
