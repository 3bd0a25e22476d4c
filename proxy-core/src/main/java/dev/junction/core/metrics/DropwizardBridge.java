package dev.junction.core.metrics;

import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.CustomLabelMapper;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Dropwizard registry exported through the Prometheus client's Dropwizard bridge
 * ({@link DropwizardExports}): the bridge converts every Dropwizard metric (counter, gauge, timer,
 * histogram) and its {@link CustomLabelMapper} turns the dotted name parts after a family's prefix
 * into labels ({@code junction.requests.<key>.<alias>.<provider>.<status>}).
 *
 * <p>One step is added: the bridge (1.4.3) emits one family per Dropwizard metric, so two label
 * sets of one family would be two families of the same name, which the Prometheus registry
 * rejects ("duplicate metric name", client_java#1712). Each metric is therefore given a unique
 * interim name ({@code <family>__<n>}) and the families are put back together here, data points
 * unchanged. Label values are escaped in Dropwizard names ({@link #part}) so that a configured
 * name with a dot ({@code gpt-4.1}) reaches Prometheus unchanged.
 */
final class DropwizardBridge implements MultiCollector {

    /**
     * One family: its Dropwizard prefix, Prometheus name and help, label names in name order, and
     * whether a gauge is a running total to be exported as a counter (a dollar sum is a double,
     * which a Dropwizard counter cannot hold).
     */
    record Family(String prefix, String name, String help, List<String> labels, boolean monotonic) {
        Family(String prefix, String name, String help, List<String> labels) {
            this(prefix, name, help, labels, false);
        }
    }

    private static final String SEP = "__";

    private final DropwizardExports bridge;
    private final Map<String, Family> byName = new LinkedHashMap<>();

    DropwizardBridge(MetricRegistry registry, List<Family> families) {
        List<MapperConfig> configs = new ArrayList<>(families.size());
        for (Family f : families) {
            byName.put(f.name, f);
            Map<String, String> labels = new LinkedHashMap<>();
            StringBuilder match = new StringBuilder(f.prefix);
            for (int i = 0; i < f.labels.size(); i++) {
                labels.put(f.labels.get(i), "${" + i + "}");
                match.append(".*");
            }
            configs.add(new MapperConfig(match.toString(), f.name, labels));
        }
        this.bridge = new DropwizardExports(registry, MetricFilter.ALL, new Mapper(configs));
    }

    /** {@code s} as one dotted name part: '.' and '%' escaped, undone when labels are read. */
    static String part(String s) {
        if (s == null || s.isEmpty()) {
            return "none";
        }
        if (s.indexOf('.') < 0 && s.indexOf('%') < 0) {
            return s;
        }
        return s.replace("%", "%25").replace(".", "%2E");
    }

    private static String unpart(String s) {
        return s.indexOf('%') < 0 ? s : s.replace("%2E", ".").replace("%25", "%");
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, List<MetricSnapshot>> grouped = new LinkedHashMap<>();
        for (MetricSnapshot s : bridge.collect()) {
            String n = s.getMetadata().getName();
            int cut = n.indexOf(SEP);
            grouped.computeIfAbsent(cut < 0 ? n : n.substring(0, cut), k -> new ArrayList<>()).add(s);
        }
        List<MetricSnapshot> out = new ArrayList<>(grouped.size());
        grouped.forEach((name, parts) -> out.add(merge(name, parts)));
        return new MetricSnapshots(out);
    }

    private MetricSnapshot merge(String name, List<MetricSnapshot> parts) {
        Family f = byName.get(name);
        MetricMetadata meta = new MetricMetadata(name, f == null ? parts.get(0).getMetadata().getHelp() : f.help);
        MetricSnapshot first = parts.get(0);
        if (first instanceof GaugeSnapshot && f != null && f.monotonic) {
            List<CounterSnapshot.CounterDataPointSnapshot> points = new ArrayList<>();
            for (MetricSnapshot s : parts) {
                for (GaugeSnapshot.GaugeDataPointSnapshot p : ((GaugeSnapshot) s).getDataPoints()) {
                    points.add(new CounterSnapshot.CounterDataPointSnapshot(p.getValue(), p.getLabels(), null, 0));
                }
            }
            return new CounterSnapshot(meta, points);
        }
        if (first instanceof CounterSnapshot) {
            List<CounterSnapshot.CounterDataPointSnapshot> points = new ArrayList<>();
            parts.forEach(s -> points.addAll(((CounterSnapshot) s).getDataPoints()));
            return new CounterSnapshot(meta, points);
        }
        if (first instanceof GaugeSnapshot) {
            List<GaugeSnapshot.GaugeDataPointSnapshot> points = new ArrayList<>();
            parts.forEach(s -> points.addAll(((GaugeSnapshot) s).getDataPoints()));
            return new GaugeSnapshot(meta, points);
        }
        if (first instanceof SummarySnapshot) {
            List<SummarySnapshot.SummaryDataPointSnapshot> points = new ArrayList<>();
            parts.forEach(s -> points.addAll(((SummarySnapshot) s).getDataPoints()));
            return new SummarySnapshot(meta, points);
        }
        if (parts.size() == 1) {
            return first;
        }
        throw new IllegalStateException("cannot merge " + first.getClass().getSimpleName() + " family " + name);
    }

    /** The bridge's label mapper, with unique interim names and unescaped label values. */
    private static final class Mapper extends CustomLabelMapper {
        private final Map<String, String> names = new ConcurrentHashMap<>();
        private final AtomicInteger next = new AtomicInteger();

        Mapper(List<MapperConfig> configs) {
            super(configs);
        }

        @Override
        public String getName(String dropwizardName) {
            String n = names.get(dropwizardName);
            if (n == null) {
                n = names.computeIfAbsent(dropwizardName, k -> super.getName(k) + SEP + next.incrementAndGet());
            }
            return n;
        }

        @Override
        public Labels getLabels(String dropwizardName, List<String> extraNames, List<String> extraValues) {
            Labels l = super.getLabels(dropwizardName, extraNames, extraValues);
            Labels.Builder b = Labels.builder();
            for (int i = 0; i < l.size(); i++) {
                b.label(l.getName(i), unpart(l.getValue(i)));
            }
            return b.build();
        }
    }
}
