package io.resonance.mesh.agent;

import io.resonance.mesh.avro.Heartbeat;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Heartbeats sampled and not yet acknowledged by Kafka, oldest first, bounded: when it is full the
 * oldest beat is dropped (and counted), because a fresh sample says more about the agent than an
 * old one. The sampling loop adds without ever blocking; the {@link HeartbeatLink} takes batches
 * from the front and removes them only once the broker has acknowledged them.
 */
public final class HeartbeatBacklog {

  private final int capacity;
  private final ArrayDeque<Heartbeat> queue = new ArrayDeque<>();
  private long dropped;

  public HeartbeatBacklog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("backlog capacity must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
  }

  /** Appends a beat; returns true if the oldest one had to be dropped to make room. */
  public synchronized boolean add(Heartbeat beat) {
    boolean drop = queue.size() >= capacity;
    if (drop) {
      queue.pollFirst();
      dropped++;
    }
    queue.addLast(beat);
    notifyAll();
    return drop;
  }

  /** Up to {@code max} beats from the front, waiting up to {@code timeout} for the first one. */
  public synchronized List<Heartbeat> awaitBatch(int max, long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (queue.isEmpty()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return List.of();
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    List<Heartbeat> batch = new ArrayList<>(Math.min(max, queue.size()));
    for (Heartbeat beat : queue) {
      if (batch.size() == max) {
        break;
      }
      batch.add(beat);
    }
    return batch;
  }

  /**
   * Removes acknowledged beats. By identity, because a beat may meanwhile have been dropped for
   * room, and equal-looking beats are never the same send.
   */
  public synchronized void removeDelivered(List<Heartbeat> delivered) {
    if (delivered.isEmpty()) {
      return;
    }
    Set<Heartbeat> done = Collections.newSetFromMap(new IdentityHashMap<>());
    done.addAll(delivered);
    queue.removeIf(done::contains);
  }

  /** Every beat still queued, oldest first, without waiting. */
  public synchronized List<Heartbeat> snapshot() {
    return new ArrayList<>(queue);
  }

  public synchronized int size() {
    return queue.size();
  }

  public synchronized long dropped() {
    return dropped;
  }

  public int capacity() {
    return capacity;
  }
}
