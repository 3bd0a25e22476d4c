package dev.junction.translators.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects what a translation dropped (DESIGN house rule 6: dropped with a recorded warning).
 * The proxy reports them in the {@code x-junction-warnings} response header and the access log.
 * Not thread-safe: one per attempt.
 */
public final class Warnings {

    private final List<String> items = new ArrayList<>(2);

    public void add(String warning) {
        items.add(warning);
    }

    public List<String> list() {
        return List.copyOf(items);
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }
}
