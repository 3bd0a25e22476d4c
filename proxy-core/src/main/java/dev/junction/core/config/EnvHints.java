package dev.junction.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names the environment variable a missing secret should come from, for warnings such as "set
 * ANTHROPIC_API_KEY". Reads the user's unresolved tree, where {@code ${?VAR}} is still visible.
 */
final class EnvHints {

    private static final Pattern ENV_REF = Pattern.compile("\\$\\{\\?\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}");

    private final Config userUnresolved;

    EnvHints(Config userUnresolved) {
        this.userUnresolved = userUnresolved;
    }

    /** The environment variable(s) the user's file names for a setting, else the conventional one. */
    String envHint(List<String> path, String fallback) {
        try {
            ConfigValue v = userUnresolved.root();
            for (String element : path) {
                if (v instanceof ConfigObject o) {
                    v = o.get(element);
                } else if (v instanceof ConfigList l && element.matches("\\d+")) {
                    int i = Integer.parseInt(element);
                    v = i < l.size() ? l.get(i) : null;
                } else {
                    v = null;
                }
                if (v == null) {
                    return fallback;
                }
            }
            // Only variable names are extracted from the rendering; a literal key is never shown.
            Matcher m = ENV_REF.matcher(v.render(ConfigRenderOptions.concise()));
            Set<String> names = new LinkedHashSet<>();
            while (m.find()) {
                names.add(m.group(1));
            }
            return names.isEmpty() ? fallback : String.join(" or ", names);
        } catch (RuntimeException e) {
            // Unresolved trees can refuse navigation (e.g. a value defined twice); the hint is optional.
            return fallback;
        }
    }
}
