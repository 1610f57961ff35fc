package dev.tether.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one scenario measured: for each row (a group such as {@code N=1000} and a metric) the value
 * of every trial for every subject (Tether and its peers), the ratios Tether / peer taken trial by
 * trial, the goals with their verdicts, and the peers that were skipped and why.
 *
 * <p>Trials are interleaved: trial i of every subject runs before trial i+1 of any, so a ratio
 * pairs two figures measured seconds apart on the same, noisy, machine.
 */
final class Report {
    static final String TETHER = "tether";

    enum Better { HIGHER, LOWER, NONE }

    record Key(String group, String metric) {
    }

    record Goal(String goal, Boolean met, String detail) {
    }

    static final class Row {
        final String unit;
        final Better better;
        final Map<String, List<Double>> values = new LinkedHashMap<>();

        Row(String unit, Better better) {
            this.unit = unit;
            this.better = better;
        }
    }

    private final String scenario;
    private final String description;
    private final Map<Key, Row> rows = new LinkedHashMap<>();
    private final LinkedHashSet<String> subjects = new LinkedHashSet<>(List.of(TETHER));
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private final List<Goal> goals = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private String error;

    Report(String scenario, String description) {
        this.scenario = scenario;
        this.description = description;
    }

    String scenario() {
        return scenario;
    }

    synchronized void add(String group, String metric, String unit, Better better, String subject, double value) {
        Row row = rows.computeIfAbsent(new Key(group, metric), k -> new Row(unit, better));
        row.values.computeIfAbsent(subject, s -> new ArrayList<>()).add(value);
        subjects.add(subject);
    }

    synchronized void skip(String subject, String reason) {
        skipped.putIfAbsent(subject, reason);
    }

    boolean skipped(String subject) {
        return skipped.containsKey(subject);
    }

    synchronized void goal(String goal, Boolean met, String detail) {
        goals.add(new Goal(goal, met, detail));
    }

    synchronized void note(String note) {
        notes.add(note);
    }

    synchronized void failed(String message) {
        this.error = message;
    }

    String error() {
        return error;
    }

    List<Goal> goals() {
        return goals;
    }

    /** The trial values, empty when not measured. */
    synchronized List<Double> values(String group, String metric, String subject) {
        Row row = rows.get(new Key(group, metric));
        return row == null ? List.of() : row.values.getOrDefault(subject, List.of());
    }

    double median(String group, String metric, String subject) {
        return Stats.median(values(group, metric, subject));
    }

    /** Tether / peer, trial by trial. */
    List<Double> ratios(String group, String metric, String peer) {
        List<Double> t = values(group, metric, TETHER);
        List<Double> p = values(group, metric, peer);
        var r = new ArrayList<Double>();
        for (int i = 0; i < Math.min(t.size(), p.size()); i++) {
            r.add(p.get(i) == 0 ? Double.NaN : t.get(i) / p.get(i));
        }
        return r;
    }

    /** The peers that have a ratio to Tether in some row (one measured only for comparison has none). */
    private List<String> comparedPeers() {
        return subjects.stream().filter(s -> !s.equals(TETHER))
                .filter(p -> rows.keySet().stream().anyMatch(k -> !ratios(k.group(), k.metric(), p).isEmpty())).toList();
    }

    /** The table printed on stdout: one line per row, medians with [min … max], then the ratios. */
    synchronized String table() {
        var peers = comparedPeers();
        var header = new ArrayList<String>(List.of("", "metric", "unit"));
        header.addAll(subjects);
        peers.forEach(p -> header.add("tether/" + p));
        var lines = new ArrayList<List<String>>();
        lines.add(header);
        for (var e : rows.entrySet()) {
            Row row = e.getValue();
            var line = new ArrayList<String>(List.of(e.getKey().group(), e.getKey().metric(), row.unit));
            for (String s : subjects) {
                line.add(cell(row.values.getOrDefault(s, List.of()), ""));
            }
            for (String p : peers) {
                line.add(cell(ratios(e.getKey().group(), e.getKey().metric(), p), "×"));
            }
            lines.add(line);
        }
        int cols = header.size();
        int[] width = new int[cols];
        for (var l : lines) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], l.get(i).length());
            }
        }
        var out = new StringBuilder();
        out.append(scenario).append(": ").append(description).append('\n');
        for (var l : lines) {
            for (int i = 0; i < cols; i++) {
                String c = l.get(i);
                out.append(i < 3 ? pad(c, width[i]) : padLeft(c, width[i])).append(i == cols - 1 ? "" : "  ");
            }
            out.append('\n');
        }
        skipped.forEach((s, why) -> out.append("skipped ").append(s).append(": ").append(why).append('\n'));
        for (Goal g : goals) {
            out.append(g.met() == null ? "goal ?    " : g.met() ? "goal met  " : "goal MISSED ").append(g.goal())
                    .append(" — ").append(g.detail()).append('\n');
        }
        notes.forEach(n -> out.append("note: ").append(n).append('\n'));
        if (error != null) {
            out.append("FAILED: ").append(error).append('\n');
        }
        return out.toString();
    }

    /** The same table in Markdown, for docs/performance.md. */
    synchronized String markdown() {
        var peers = comparedPeers();
        var out = new StringBuilder();
        out.append("| | metric | unit | ").append(String.join(" | ", subjects));
        peers.forEach(p -> out.append(" | Tether / ").append(p));
        out.append(" |\n|").append("---|".repeat(3 + subjects.size() + peers.size())).append('\n');
        for (var e : rows.entrySet()) {
            Row row = e.getValue();
            out.append("| ").append(e.getKey().group()).append(" | ").append(e.getKey().metric()).append(" | ").append(row.unit);
            for (String s : subjects) {
                out.append(" | ").append(cell(row.values.getOrDefault(s, List.of()), ""));
            }
            for (String p : peers) {
                out.append(" | ").append(cell(ratios(e.getKey().group(), e.getKey().metric(), p), "×"));
            }
            out.append(" |\n");
        }
        skipped.forEach((s, why) -> out.append("\nSkipped ").append(s).append(": ").append(why).append('\n'));
        return out.toString();
    }

    private static String cell(List<Double> v, String suffix) {
        if (v.isEmpty() || v.stream().allMatch(d -> d.isNaN())) {
            return "";
        }
        String m = fmt(Stats.median(v)) + suffix;
        return v.size() == 1 ? m : m + " [" + fmt(Stats.min(v)) + "–" + fmt(Stats.max(v)) + "]";
    }

    static String fmt(double d) {
        if (Double.isNaN(d)) {
            return "n/a";
        }
        double a = Math.abs(d);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", d);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", d);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", d);
        }
        return String.format(Locale.ROOT, "%.2f", d);
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(w - s.length());
    }

    private static String padLeft(String s, int w) {
        return " ".repeat(w - s.length()) + s;
    }

    /** Everything, for {@code bench-results/<scenario>.json}. */
    synchronized Map<String, Object> json() {
        var out = new LinkedHashMap<String, Object>();
        out.put("scenario", scenario);
        out.put("description", description);
        var figures = new ArrayList<Map<String, Object>>();
        for (var e : rows.entrySet()) {
            Row row = e.getValue();
            row.values.forEach((subject, v) -> figures.add(summary(Map.of(
                    "group", e.getKey().group(), "metric", e.getKey().metric(), "unit", row.unit,
                    "better", row.better.name().toLowerCase(Locale.ROOT), "subject", subject), v)));
        }
        out.put("figures", figures);
        var ratios = new ArrayList<Map<String, Object>>();
        for (var e : rows.entrySet()) {
            for (String peer : e.getValue().values.keySet()) {
                if (!peer.equals(TETHER) && e.getValue().values.containsKey(TETHER)) {
                    ratios.add(summary(Map.of("group", e.getKey().group(), "metric", e.getKey().metric(),
                            "ratio", "tether/" + peer), ratios(e.getKey().group(), e.getKey().metric(), peer)));
                }
            }
        }
        out.put("ratios", ratios);
        out.put("goals", goals.stream().map(g -> {
            var m = new LinkedHashMap<String, Object>();
            m.put("goal", g.goal());
            m.put("met", g.met());
            m.put("detail", g.detail());
            return m;
        }).toList());
        out.put("skipped", skipped);
        out.put("notes", notes);
        out.put("error", error);
        return out;
    }

    private static Map<String, Object> summary(Map<String, Object> key, List<Double> v) {
        var m = new LinkedHashMap<String, Object>();
        for (String k : List.of("group", "metric", "subject", "ratio", "unit", "better")) {
            if (key.containsKey(k)) {
                m.put(k, key.get(k));
            }
        }
        m.put("median", finite(Stats.median(v)));
        m.put("min", finite(Stats.min(v)));
        m.put("max", finite(Stats.max(v)));
        m.put("trials", v.stream().map(Report::finite).toList());
        return m;
    }

    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
