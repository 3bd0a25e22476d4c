package dev.junction.translators.spi;

import java.util.List;

/** A video job's state at its vendor, mapped as wire-formats §7. */
public sealed interface VideoStatus {

    /** Queued ({@code progress} 0 or null) or running at the vendor. */
    record Pending(Integer progress, boolean started) implements VideoStatus {
    }

    /** Finished; {@code outputs} are what {@link VideoVendor#download} needs (URIs, or the job id). */
    record Done(List<String> outputs) implements VideoStatus {
        public Done {
            outputs = List.copyOf(outputs);
        }
    }

    /**
     * Finished badly. {@code code} is {@code content_filter} when the vendor filtered the prompt or
     * the result (SPEC §6.2); {@code retryable} when a new submission may succeed.
     */
    record Failed(String code, String message, boolean retryable) implements VideoStatus {
    }
}
