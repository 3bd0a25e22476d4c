package dev.junction.translators.spi;

import java.util.Map;

/**
 * Where one attempt goes: the provider's base URL and key, the vendor model name of the chosen
 * deployment, extra headers from config, and vendor options such as Azure's {@code api-version}.
 * Never logged as a whole: {@link #toString()} hides the key.
 */
public record Target(String provider, String type, String baseUrl, String model, String apiKey,
                     Map<String, String> headers, Map<String, String> options) {

    public Target {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    public String option(String name) {
        return options.get(name);
    }

    /** This target with option {@code name} set to {@code value} unless it has one already (or {@code value} is null). */
    public Target withDefaultOption(String name, String value) {
        if (value == null || options.containsKey(name)) {
            return this;
        }
        Map<String, String> o = new java.util.HashMap<>(options);
        o.put(name, value);
        return new Target(provider, type, baseUrl, model, apiKey, headers, o);
    }

    @Override
    public String toString() {
        return "Target[" + provider + " (" + type + ") " + baseUrl + " model=" + model + "]";
    }
}
