package dev.junction.core.catalog;

/**
 * A catalog file that cannot be used. The message names the file and line, the setting's path
 * (e.g. {@code "gpt-4o".price.input}) and what to write instead (DESIGN house rule 10).
 */
public final class CatalogException extends RuntimeException {

    private final String path;

    public CatalogException(String path, String message) {
        super(message);
        this.path = path;
    }

    public CatalogException(String path, String message, Throwable cause) {
        super(message, cause);
        this.path = path;
    }

    /** The offending setting's path inside the catalog file, or null for the file as a whole. */
    public String path() {
        return path;
    }
}
