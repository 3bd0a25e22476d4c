package dev.junction.translators.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects what a translation dropped (DESIGN house rule 6: dropped with a recorded warning).
 * The proxy reports them in the {@code x-junction-warnings} response header and the access log.
 * Not thread-safe: one per attempt.
 */
public final class Warnings {

    /** Made on the first warning: most translations drop nothing, and one is made per attempt. */
    private List<String> items;

    public void add(String warning) {
        if (items == null) {
            items = new ArrayList<>(2);
        }
        items.add(warning);
    }

    public List<String> list() {
        return items == null ? List.of() : List.copyOf(items);
    }

    public boolean isEmpty() {
        return items == null || items.isEmpty();
    }
}
