package dev.junction.core.config;

import com.typesafe.config.ConfigValue;

import java.util.ArrayList;
import java.util.List;

/**
 * The errors and warnings of one validation run, in the order they were found. Every error starts
 * with the full path of its setting and ends with where the value came from; errors stop the load
 * ({@link ConfigException}), warnings go to {@link GatewayConfig#warnings()}.
 */
final class ConfigProblems {

    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    void error(String path, String message, ConfigValue at) {
        errors.add(path + ": " + message + ConfigText.where(at));
    }

    void warn(String warning) {
        warnings.add(warning);
    }

    List<String> errors() {
        return errors;
    }

    List<String> warnings() {
        return warnings;
    }
}
