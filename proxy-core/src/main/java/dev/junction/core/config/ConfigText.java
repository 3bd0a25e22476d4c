package dev.junction.core.config;

import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;

/**
 * How config values, their origins and near-miss names are shown in validation messages. No message
 * ever contains a secret's value ({@link ConfigException}).
 */
final class ConfigText {

    private ConfigText() {
    }

    /** " (junction.conf:12)" for a value from a file, " (system property)" for -D overrides. */
    static String where(ConfigValue v) {
        if (v == null || v.origin() == null) {
            return "";
        }
        ConfigOrigin o = v.origin();
        if (o.filename() != null && o.lineNumber() > 0) {
            return " (" + Path.of(o.filename()).getFileName() + ":" + o.lineNumber() + ")";
        }
        if (o.description() != null && o.description().contains("system properties")) {
            return " (system property)";
        }
        return "";
    }

    /** A value as shown in an error; a secret's value is never shown, only its kind. */
    static String describe(ConfigValue v, boolean secret) {
        if (v == null) {
            return "nothing";
        }
        return switch (v.valueType()) {
            case OBJECT -> "an object";
            case LIST -> "a list";
            case NULL -> "null";
            default -> secret ? "a " + v.valueType().name().toLowerCase(Locale.ROOT) : v.render(ConfigRenderOptions.concise());
        };
    }

    /** " (did you mean 'port'?)" when a close name exists. */
    static String suggestion(String given, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(given.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= Math.max(1, given.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    /** Optimal string alignment distance: edits plus adjacent transpositions ("prot" is one from "port"). */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
