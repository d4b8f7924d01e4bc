package io.resonance.mesh.cli;

import io.resonance.mesh.avro.ImpedanceSummary;
import java.io.PrintStream;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Prints the live status of the demo; events/s comes from Flink's own counter between prints. A
 * figure not known yet is shown as "-", a row too long for the box goes on in the next row at a
 * word boundary, and a counter that went back (the job restarted and lost its count) starts the
 * rate afresh instead of showing a negative one.
 */
final class StatusBox {

  static final int WIDTH = 66;

  private final PrintStream out;
  private final int fleetSize;
  private double lastProcessed = -1;
  private double lastAt;
  private double rate = Double.NaN;
  private java.util.Optional<String> healthWarning = java.util.Optional.empty();

  StatusBox(PrintStream out, int fleetSize) {
    this.out = out;
    this.fleetSize = fleetSize;
  }

  /** The job's health, shown on the box's first row when it is not simply RUNNING. */
  void health(JobHealth health) {
    healthWarning = health.warning();
  }

  void print(
      MeshWatcher.Snapshot s,
      OptionalDouble processed,
      double at,
      DemoCoordinator.Kpis k,
      DemoGraphs.Kpis graphs,
      OptionalDouble deadlocksResolved,
      ResonanceWatch.Kpis resonance,
      double resonanceFinishedAfterS,
      DemoRecipes.Kpis recipes) {
    // Flink's REST API refreshes a counter every few seconds, so the rate is taken between two
    // different readings, not between two prints (which could see the same reading twice).
    if (processed.isPresent() && processed.getAsDouble() != lastProcessed) {
      double now = processed.getAsDouble();
      if (now < lastProcessed) {
        rate = Double.NaN; // a restarted job counts from its checkpoint again
      } else if (lastProcessed >= 0 && at > lastAt) {
        rate = (now - lastProcessed) / (at - lastAt);
      }
      lastProcessed = now;
      lastAt = at;
    }
    ImpedanceSummary g = s.global();
    String sectors = g == null ? "-" : g.getSectorsHealthy() + "/" + g.getSectorsTotal();
    String mode = g == null ? "(first window pending)" : g.getMode().toString();
    String line = "+" + "-".repeat(WIDTH + 2) + "+";
    out.println(line);
    healthWarning.ifPresent(w -> row("!! " + w));
    // Agents from outside the simulation join the registry too, so the registry is the total.
    row(
        String.format(
            Locale.ROOT,
            "t=%4.0fs   agents active %,d of %,d   mode %s",
            at,
            s.active(),
            s.agents(),
            mode));
    row(
        String.format(
            Locale.ROOT,
            "registry %,d agents (%,d simulated): %,d degraded, %,d " + "offline",
            s.agents(),
            fleetSize,
            s.degraded(),
            s.offline()));
    row(
        String.format(
            Locale.ROOT, "sectors healthy %s   mean impedance %.0f", sectors, s.meanImpedance()));
    row(
        String.format(
            Locale.ROOT,
            "heartbeats processed %s   events/s %s   DLQ %,d",
            figure(processed.orElse(Double.NaN)),
            figure(rate),
            s.deadLetters()));
    row(
        String.format(
            Locale.ROOT,
            "coordinations %d sent, %d decided, %d PROCEED; on time %s",
            k.sent(),
            k.decided(),
            k.proceeded(),
            Double.isNaN(k.meanWithinWindow())
                ? "-"
                : String.format(Locale.ROOT, "%.1f %%", 100 * k.meanWithinWindow())));
    row(
        String.format(
            Locale.ROOT,
            "arrival error p90 %s ms   waves %d (%d PROCEED), last %s",
            Double.isNaN(k.lastErrorP90Ms())
                ? "-"
                : String.format(Locale.ROOT, "%.0f", k.lastErrorP90Ms()),
            k.cascades(),
            k.cascadesProceeded(),
            k.lastCascadeMs() < 0 ? "-" : k.lastCascadeMs() + " ms"));
    row("last: " + k.last());
    row(
        String.format(
            Locale.ROOT,
            "graphs %d started: %d active, %d completed, %d failed",
            graphs.started(),
            graphs.active(),
            graphs.completed(),
            graphs.failed()));
    row(
        String.format(
            Locale.ROOT,
            "incidents %d, grown %d, deadlocks resolved %s, routed %d/%d",
            graphs.incidents(),
            graphs.grown(),
            deadlocksResolved.isPresent()
                ? String.format(Locale.ROOT, "%.0f", deadlocksResolved.getAsDouble())
                : "-",
            graphs.routed(),
            graphs.routed() + graphs.unrouted()));
    row("last graph: " + graphs.last());
    if (resonance == null) {
      row("resonance: waiting for the registry to submit the work job");
    } else {
      row(
          String.format(
              Locale.ROOT,
              "resonance %s: %,d agents, %d subsets tuned",
              resonance.finished()
                  ? String.format(Locale.ROOT, "finished in %.0f s", resonanceFinishedAfterS)
                  : "running",
              resonance.agents(),
              resonance.subsetsTuned()));
      row(
          String.format(
              Locale.ROOT,
              "  decisions %d applied, %d kept, %d rolled back, %d " + "ineffective",
              resonance.applied(),
              resonance.kept(),
              resonance.rolledBack(),
              resonance.ineffective()));
      row(
          String.format(
              Locale.ROOT,
              "  items %,d / %,d done, %,d given up; last %s",
              resonance.itemsDone(),
              resonance.itemsTotal(),
              resonance.itemsGivenUp(),
              resonance.lastDecision()));
    }
    row(
        String.format(
            Locale.ROOT,
            "recipe %s: %,d requests, %d trials, %d promoted, %d rolled " + "back",
            DemoRecipes.RECIPE,
            recipes.sent(),
            recipes.trials(),
            recipes.promoted(),
            recipes.rolledBack()));
    row("  live " + recipes.live() + "; last " + recipes.last());
    if (s.lastDeadLetter() != null) {
      row("last dead letter: " + s.lastDeadLetter());
    }
    out.println(line);
  }

  private static String figure(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private void row(String text) {
    for (String part : wrap(text, WIDTH)) {
      out.println("| " + String.format("%-" + WIDTH + "s", part) + " |");
    }
  }

  /** The text in lines of at most {@code width}, broken at spaces; a longer word is split. */
  static java.util.List<String> wrap(String text, int width) {
    java.util.List<String> lines = new java.util.ArrayList<>();
    String rest = text.strip();
    String indent = "";
    while (indent.length() + rest.length() > width) {
      int room = width - indent.length();
      int cut = rest.lastIndexOf(' ', room);
      if (cut <= 0) {
        cut = room;
      }
      lines.add(indent + rest.substring(0, cut).stripTrailing());
      rest = rest.substring(cut).strip();
      indent = "    ";
    }
    lines.add(indent + rest);
    return lines;
  }
}
