package io.resonance.mesh.operators.summary;

import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.triggers.TriggerResult;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * Fires an event-time window once, when the watermark passes its end, exactly like Flink's {@code
 * EventTimeTrigger}, but without registering a timer of its own for every element.
 *
 * <p>Why: the window operator already registers a cleanup timer at {@code window.maxTimestamp() +
 * allowedLateness} for every element and window, and calls the trigger's {@link #onEventTime} for
 * every timer of the window, its cleanup timer included. With no allowed lateness that timer is due
 * exactly at the window's end, so {@code EventTimeTrigger}'s own timer is a duplicate: on RocksDB
 * each registration serializes key, window and time and searches the timer cache, and a record of
 * the 40 s / 10 s cluster window lands in four windows, so the duplicate costs four timer adds per
 * record (and a timer delete per window in {@code clear}).
 *
 * <p>Only correct for event-time windows without allowed lateness: with lateness the cleanup timer
 * comes later and the window would fire late. {@link Summaries} sets none. An element of a window
 * whose end the watermark has passed never reaches the trigger (the operator drops it as late), so
 * {@link #onElement} never has to fire.
 */
final class WindowEndTrigger extends Trigger<Object, TimeWindow> {

  private static final long serialVersionUID = 1L;

  static final WindowEndTrigger INSTANCE = new WindowEndTrigger();

  private WindowEndTrigger() {}

  @Override
  public TriggerResult onElement(
      Object element, long timestamp, TimeWindow window, TriggerContext ctx) {
    return TriggerResult.CONTINUE;
  }

  @Override
  public TriggerResult onEventTime(long time, TimeWindow window, TriggerContext ctx) {
    return time >= window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  @Override
  public TriggerResult onProcessingTime(long time, TimeWindow window, TriggerContext ctx) {
    return TriggerResult.CONTINUE;
  }

  @Override
  public void clear(TimeWindow window, TriggerContext ctx) {
    // No timer of its own to delete; the operator's cleanup timer is the one that just fired.
  }

  @Override
  public String toString() {
    return "WindowEndTrigger()";
  }
}
