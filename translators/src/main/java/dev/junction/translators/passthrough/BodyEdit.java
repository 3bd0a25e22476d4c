package dev.junction.translators.passthrough;

/**
 * One splice into a client body: bytes {@code [start, end)} (relative to the body's reader index)
 * are replaced by {@code replacement}. Edits of one body never overlap.
 */
public record BodyEdit(int start, int end, byte[] replacement) {

    public BodyEdit {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }
    }
}
