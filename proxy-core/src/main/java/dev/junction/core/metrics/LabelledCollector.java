package dev.junction.core.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports the Dropwizard registry as labelled Prometheus families. Dropwizard names carry label
 * values as dotted parts after a known prefix ({@code junction.requests.<alias>.<provider>.<status>});
 * every metric of one prefix becomes one data point of one family. (The Prometheus Dropwizard
 * bridge maps names to labels too, but emits one family per Dropwizard metric, which the registry
 * rejects as duplicates as soon as a family has two label values.)
 */
final class LabelledCollector implements MultiCollector {

    /** One family: the Dropwizard prefix, the Prometheus name and help, and the label names in order. */
    record Family(String prefix, String name, String help, List<String> labels, boolean monotonic) {
        Family(String prefix, String name, String help, List<String> labels) {
            this(prefix, name, help, labels, false);
        }
    }

    private final MetricRegistry registry;
    private final List<Family> families;

    LabelledCollector(MetricRegistry registry, List<Family> families) {
        this.registry = registry;
        this.families = families;
    }

    @Override
    public MetricSnapshots collect() {
        Map<Family, List<Map.Entry<Labels, Metric>>> byFamily = new LinkedHashMap<>();
        for (Map.Entry<String, Metric> e : registry.getMetrics().entrySet()) {
            for (Family f : families) {
                if (e.getKey().startsWith(f.prefix + ".") || e.getKey().equals(f.prefix)) {
                    String rest = e.getKey().length() > f.prefix.length() ? e.getKey().substring(f.prefix.length() + 1) : "";
                    String[] parts = rest.isEmpty() ? new String[0] : rest.split("\\.", -1);
                    if (parts.length != f.labels.size()) {
                        continue;
                    }
                    Labels labels = parts.length == 0 ? Labels.EMPTY : Labels.of(f.labels, List.of(parts));
                    byFamily.computeIfAbsent(f, k -> new ArrayList<>()).add(Map.entry(labels, e.getValue()));
                    break;
                }
            }
        }
        List<MetricSnapshot> out = new ArrayList<>(byFamily.size());
        byFamily.forEach((f, points) -> out.add(snapshot(f, points)));
        return new MetricSnapshots(out);
    }

    private static MetricSnapshot snapshot(Family f, List<Map.Entry<Labels, Metric>> points) {
        Metric first = points.get(0).getValue();
        if (f.monotonic && first instanceof Gauge<?>) {
            CounterSnapshot.Builder b = CounterSnapshot.builder().name(f.name).help(f.help);
            for (var p : points) {
                Object v = ((Gauge<?>) p.getValue()).getValue();
                b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(p.getKey())
                        .value(v instanceof Number n ? n.doubleValue() : 0).build());
            }
            return b.build();
        }
        if (first instanceof Counter) {
            CounterSnapshot.Builder b = CounterSnapshot.builder().name(f.name).help(f.help);
            for (var p : points) {
                b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(p.getKey())
                        .value(((Counter) p.getValue()).getCount()).build());
            }
            return b.build();
        }
        if (first instanceof Timer) {
            SummarySnapshot.Builder b = SummarySnapshot.builder().name(f.name).help(f.help);
            for (var p : points) {
                Timer t = (Timer) p.getValue();
                Snapshot s = t.getSnapshot();
                b.dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().labels(p.getKey()).count(t.getCount())
                        .sum(s.getMean() * t.getCount() / 1e9)
                        .quantiles(Quantiles.of(new Quantile(0.5, s.getMedian() / 1e9),
                                new Quantile(0.95, s.get95thPercentile() / 1e9), new Quantile(0.99, s.get99thPercentile() / 1e9)))
                        .build());
            }
            return b.build();
        }
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(f.name).help(f.help);
        for (var p : points) {
            Object v = p.getValue() instanceof Gauge<?> g ? g.getValue() : null;
            double d = v instanceof Number n ? n.doubleValue() : Double.NaN;
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(p.getKey()).value(d).build());
        }
        return b.build();
    }
}
