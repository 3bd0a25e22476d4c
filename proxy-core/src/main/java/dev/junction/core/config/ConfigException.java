package dev.junction.core.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The configuration is invalid. Carries every problem found, not only the first, each starting
 * with the full path of the offending setting (e.g. {@code junction.providers.anthropic.base-url:
 * must be an http(s) URL, got "ftp://x"}). No message ever contains a key value.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path source;
    private final List<String> errors;

    public ConfigException(Path source, List<String> errors) {
        super(render(source, errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.source = source;
        this.errors = List.copyOf(errors);
    }

    /** The config file that was loaded, or null when the config did not come from a file. */
    public Path source() {
        return source;
    }

    /** Every problem found, in the order they were found; each begins with a config path. */
    public List<String> errors() {
        return errors;
    }

    private static String render(Path source, List<String> errors) {
        StringBuilder sb = new StringBuilder("invalid configuration");
        if (source != null) {
            sb.append(' ').append(source);
        }
        sb.append(" (").append(errors.size()).append(errors.size() == 1 ? " error):" : " errors):");
        for (String e : errors) {
            sb.append("\n  - ").append(e);
        }
        return sb.toString();
    }
}
