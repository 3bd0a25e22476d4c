package dev.junction.core.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;

import java.util.Map;
import java.util.Set;

/**
 * Reports settings that {@code reference.conf} does not have (typos such as {@code prot}), with a
 * suggestion. Sections whose entries the user names are checked by their own parsers instead.
 */
final class UnknownKeys {

    /** Sections whose entries are user-named and checked by their own parser, not against reference.conf. */
    private static final Set<String> USER_NAMED_SECTIONS = Set.of("providers", "models");

    private final ConfigProblems problems;

    UnknownKeys(ConfigProblems problems) {
        this.problems = problems;
    }

    void check(ConfigObject actual, ConfigObject ref, String path) {
        for (Map.Entry<String, ConfigValue> e : actual.entrySet()) {
            String key = e.getKey();
            String p = path + "." + ConfigUtil.joinPath(key);
            ConfigValue r = ref.get(key);
            if (r == null) {
                problems.error(p, "unknown setting" + ConfigText.suggestion(key, ref.keySet()), e.getValue());
            } else if (!USER_NAMED_SECTIONS.contains(key) || !"junction".equals(path)) {
                // instanceof, not valueType(): reference values holding ${?VAR} are unresolved here.
                if (r instanceof ConfigObject refObject && e.getValue() instanceof ConfigObject actualObject) {
                    check(actualObject, refObject, p);
                }
            }
        }
    }
}
