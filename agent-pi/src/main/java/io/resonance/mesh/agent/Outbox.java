package io.resonance.mesh.agent;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records one of an agent's links answers with (command answers, GCL results, work reports),
 * kept until the broker acknowledges them, so that a broker outage delays them instead of losing
 * them, as the {@link HeartbeatBacklog} does for heartbeats. It owns the link's producer and one
 * sender thread.
 *
 * <p>Bounded: {@link #CAPACITY} records, oldest dropped (counted, and logged at most every 30 s)
 * beyond it. A link answers at most about a thousand records a second (each path has one worker,
 * and a command, task or chunked order takes at least a millisecond), so the bound holds every
 * answer of a ten-second outage with room to spare.
 *
 * <p>While the broker answers, records are handed to the producer as they come (an answer's latency
 * is what the mesh measures). Once a send fails, the link is down: it sends one record at a time as
 * a probe, with a growing backoff, and resumes at full speed once a probe is acknowledged. A failed
 * record goes back to its place, so the order is kept except around the failure.
 */
public final class Outbox<V> implements AutoCloseable {

  /** Ten seconds of answers at a thousand a second; see the class comment. */
  public static final int CAPACITY = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
  private static final long LOG_EVERY_MS = 30_000;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final class Entry {
    final ProducerRecord<String, V> record;
    boolean inFlight;
    boolean acked;

    Entry(ProducerRecord<String, V> record) {
      this.record = record;
    }
  }

  private final String name;
  private final Producer<String, V> producer;
  private final int capacity;
  private final Thread thread;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicLong delivered = new AtomicLong();

  /** Every record not yet acknowledged, oldest first; guarded by this. */
  private final ArrayDeque<Entry> queue = new ArrayDeque<>();

  private long dropped;
  private long lastDropLogMs;
  private boolean up = true;
  private long downSinceMs;
  private long lastOutageLogMs;

  /**
   * @param name what it sends and for whom, for log lines ("answers of pi-17")
   */
  public Outbox(String name, Producer<String, V> producer, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("an outbox holds at least 1 record, got " + capacity);
    }
    this.name = name;
    this.producer = producer;
    this.capacity = capacity;
    this.thread = new Thread(this::run, "outbox");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Queues a record; never blocks. The oldest queued record is dropped if the outbox is full. */
  public void send(String topic, String key, V value) {
    Entry e = new Entry(new ProducerRecord<>(topic, key, value));
    synchronized (this) {
      if (queue.size() >= capacity && dropOldestWaiting()) {
        long now = System.currentTimeMillis();
        if (now - lastDropLogMs >= LOG_EVERY_MS) {
          lastDropLogMs = now;
          LOG.warn(
              "outbox of {} full ({} records; broker away?): dropped the oldest, {} so far",
              name,
              capacity,
              dropped);
        }
      }
      queue.addLast(e);
      notifyAll();
    }
  }

  /**
   * Drops the oldest record not in flight. One in flight is already in the producer and may still
   * arrive, so dropping it would count a record as lost that is not; while every queued record is
   * in flight the outbox holds one more for a moment instead (the producer's own in-flight limit
   * bounds that).
   */
  private boolean dropOldestWaiting() {
    for (java.util.Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
      if (!it.next().inFlight) {
        it.remove();
        dropped++;
        return true;
      }
    }
    return false;
  }

  /** Records the broker acknowledged. */
  public long delivered() {
    return delivered.get();
  }

  /** Records dropped for room, oldest first. */
  public synchronized long dropped() {
    return dropped;
  }

  /** Records not yet acknowledged. */
  public synchronized int pending() {
    return queue.size();
  }

  /** The records not yet acknowledged, oldest first: after {@link #close}, what was never sent. */
  public synchronized java.util.List<ProducerRecord<String, V>> unsent() {
    return queue.stream().map(e -> e.record).toList();
  }

  public synchronized boolean isUp() {
    return up;
  }

  private void run() {
    long backoffMs = 200;
    try {
      while (stop.getCount() > 0) {
        Entry e = nextUnsent();
        if (e == null) {
          continue;
        }
        boolean probing;
        synchronized (this) {
          probing = !up;
        }
        hand(e);
        if (!probing) {
          continue;
        }
        if (awaitOutcome(e)) {
          backoffMs = 200;
        } else if (stop.await(backoffMs, TimeUnit.MILLISECONDS)) {
          return; // waiting on the stop latch rather than sleeping lets close() end it at once
        } else {
          backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  /** The oldest record not in flight; while down, only when nothing else is (one probe). */
  private synchronized Entry nextUnsent() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
    while (true) {
      Entry found = null;
      boolean anyInFlight = false;
      for (Entry e : queue) {
        if (e.inFlight) {
          anyInFlight = true;
        } else if (found == null) {
          found = e;
        }
        if (found != null && (up || anyInFlight)) {
          break;
        }
      }
      if (found != null && (up || !anyInFlight)) {
        found.inFlight = true;
        return found;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  private void hand(Entry e) {
    try {
      producer.send(e.record, (meta, error) -> settle(e, error));
    } catch (RuntimeException ex) {
      settle(e, ex); // no metadata within max.block.ms, or the producer is closing
    }
  }

  private synchronized void settle(Entry e, Throwable error) {
    e.inFlight = false;
    if (error == null) {
      e.acked = true;
      queue.remove(e);
      delivered.incrementAndGet();
      if (!up) {
        up = true;
        LOG.info(
            "broker reachable again after {} s; sending {} buffered {} ({} dropped)",
            (System.currentTimeMillis() - downSinceMs) / 1000,
            queue.size(),
            name,
            dropped);
      }
    } else {
      long now = System.currentTimeMillis();
      if (up) {
        up = false;
        downSinceMs = now;
        lastOutageLogMs = 0;
      }
      if (now - lastOutageLogMs >= LOG_EVERY_MS) {
        lastOutageLogMs = now;
        LOG.warn(
            "broker unreachable ({}); {} {} buffered, {} dropped (the outbox holds {})",
            error.getClass().getSimpleName() + ": " + error.getMessage(),
            queue.size(),
            name,
            dropped,
            capacity);
      }
    }
    notifyAll();
  }

  /**
   * Whether the probe was acknowledged; waits for the producer's verdict (its delivery timeout).
   */
  private synchronized boolean awaitOutcome(Entry e) throws InterruptedException {
    while (e.inFlight && stop.getCount() > 0) {
      wait(200);
    }
    return e.acked;
  }

  /**
   * Stops sending: records in flight get the producer's close timeout to be acknowledged, records
   * still queued are logged as lost.
   */
  @Override
  public void close() {
    stop.countDown();
    synchronized (this) {
      notifyAll();
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
    int left = pending();
    if (left > 0) {
      LOG.warn("stopped with {} {} unsent", left, name);
    }
  }
}
