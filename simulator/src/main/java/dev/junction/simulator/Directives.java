package dev.junction.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the {@code [[sim key=value ...]]} directives of a user message into a {@link Behavior}.
 * The grammar is documented on {@link VendorSimulator} and in the module README.
 */
final class Directives {

    private static final String OPEN = "[[sim";

    private Directives() {
    }

    /** Whether the text contains a directive at all (cheap pre-check for the hot path). */
    static boolean present(String text) {
        return text != null && text.contains(OPEN);
    }

    /** The behaviour scripted by every directive block in {@code text}, in order. */
    static Behavior parse(String text) {
        Behavior.Builder b = Behavior.builder();
        if (!present(text)) {
            return b.build();
        }
        List<ToolCall> tools = new ArrayList<>();
        String pendingTool = null;
        String pendingArgs = null;
        int from = 0;
        while (true) {
            int start = text.indexOf(OPEN, from);
            if (start < 0) {
                break;
            }
            int i = start + OPEN.length();
            int end = findClose(text, i);
            if (end < 0) {
                throw new IllegalArgumentException("unterminated [[sim directive at offset " + start);
            }
            List<String[]> pairs = tokenize(text.substring(i, end));
            for (String[] pair : pairs) {
                String key = pair[0].toLowerCase(Locale.ROOT);
                String value = pair[1];
                switch (key) {
                    case "status" -> b.status(integer(key, value));
                    case "retry-after" -> b.header("retry-after", Integer.toString(integer(key, value)));
                    case "retry-after-ms" -> b.header("retry-after-ms", Integer.toString(integer(key, value)));
                    case "latency" -> b.latency(duration(value));
                    case "tps" -> b.tokensPerSecond(Double.parseDouble(required(key, value)));
                    case "tokens" -> b.tokens(integer(key, value));
                    case "text" -> b.text(required(key, value));
                    case "echo" -> b.echo(value == null || Boolean.parseBoolean(value));
                    case "tool" -> {
                        if (pendingTool != null) {
                            tools.add(new ToolCall(pendingTool, pendingArgs));
                        }
                        pendingTool = required(key, value);
                        pendingArgs = null;
                    }
                    case "args" -> {
                        if (pendingTool == null) {
                            throw new IllegalArgumentException("args= must follow tool=");
                        }
                        pendingArgs = required(key, value);
                    }
                    case "finish" -> b.finish(Finish.parse(required(key, value)));
                    case "cut" -> b.cutAfterChunks(integer(key, value));
                    case "stall" -> b.stallAfterChunks(integer(key, value));
                    case "error-event" -> b.errorEventAfterChunks(integer(key, value));
                    case "error" -> b.errorCode(required(key, value));
                    case "block" -> b.blockReason(required(key, value).toUpperCase(Locale.ROOT));
                    case "prompt-tokens" -> b.promptTokens(integer(key, value));
                    case "cached" -> b.cachedTokens(integer(key, value));
                    case "reasoning" -> b.reasoningTokens(integer(key, value));
                    case "azure" -> b.azureEmptyFirstChunk(value == null || Boolean.parseBoolean(value));
                    default -> throw new IllegalArgumentException("unknown [[sim directive key: " + pair[0]);
                }
            }
            from = end + 2;
        }
        if (pendingTool != null) {
            tools.add(new ToolCall(pendingTool, pendingArgs));
        }
        if (!tools.isEmpty()) {
            b.toolCalls(tools);
        }
        return b.build();
    }

    /** {@code text} with every directive block removed and whitespace trimmed. */
    static String strip(String text) {
        if (!present(text)) {
            return text == null ? "" : text.trim();
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        while (true) {
            int start = text.indexOf(OPEN, from);
            if (start < 0) {
                out.append(text, from, text.length());
                break;
            }
            out.append(text, from, start);
            int end = findClose(text, start + OPEN.length());
            if (end < 0) {
                break;
            }
            from = end + 2;
        }
        return out.toString().trim();
    }

    /** Index of the {@code ]]} closing a directive, skipping JSON strings and brackets inside values. */
    private static int findClose(String text, int from) {
        int depth = 0;
        boolean inString = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && depth > 0) {
                depth--;
            } else if (c == ']' && depth == 0 && i + 1 < text.length() && text.charAt(i + 1) == ']') {
                return i;
            }
        }
        return -1;
    }

    /**
     * Every {@code key=value} pair of every directive block in {@code text}, keys lower-cased, in
     * order, not interpreted: the media endpoints ({@link MediaVendor}) read their own keys.
     */
    static List<String[]> pairs(String text) {
        List<String[]> all = new ArrayList<>();
        if (!present(text)) {
            return all;
        }
        int from = 0;
        while (true) {
            int start = text.indexOf(OPEN, from);
            if (start < 0) {
                return all;
            }
            int i = start + OPEN.length();
            int end = findClose(text, i);
            if (end < 0) {
                throw new IllegalArgumentException("unterminated [[sim directive at offset " + start);
            }
            for (String[] pair : tokenize(text.substring(i, end))) {
                all.add(new String[] {pair[0].toLowerCase(Locale.ROOT), pair[1]});
            }
            from = end + 2;
        }
    }

    /** Splits {@code key=value key2="quoted value" args={"json":[1,2]} flag} into pairs. */
    private static List<String[]> tokenize(String body) {
        List<String[]> pairs = new ArrayList<>();
        int i = 0;
        int n = body.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(body.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int keyStart = i;
            while (i < n && body.charAt(i) != '=' && !Character.isWhitespace(body.charAt(i))) {
                i++;
            }
            String key = body.substring(keyStart, i);
            if (i >= n || body.charAt(i) != '=') {
                pairs.add(new String[] {key, null});
                continue;
            }
            i++;
            if (i >= n) {
                pairs.add(new String[] {key, ""});
                break;
            }
            char c = body.charAt(i);
            if (c == '"') {
                StringBuilder value = new StringBuilder();
                i++;
                while (i < n && body.charAt(i) != '"') {
                    if (body.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    value.append(body.charAt(i));
                    i++;
                }
                i++;
                pairs.add(new String[] {key, value.toString()});
            } else if (c == '{' || c == '[') {
                int start = i;
                int depth = 0;
                boolean inString = false;
                for (; i < n; i++) {
                    char d = body.charAt(i);
                    if (inString) {
                        if (d == '\\') {
                            i++;
                        } else if (d == '"') {
                            inString = false;
                        }
                    } else if (d == '"') {
                        inString = true;
                    } else if (d == '{' || d == '[') {
                        depth++;
                    } else if (d == '}' || d == ']') {
                        depth--;
                        if (depth == 0) {
                            i++;
                            break;
                        }
                    }
                }
                pairs.add(new String[] {key, body.substring(start, Math.min(i, n))});
            } else {
                int start = i;
                while (i < n && !Character.isWhitespace(body.charAt(i))) {
                    i++;
                }
                pairs.add(new String[] {key, body.substring(start, i)});
            }
        }
        return pairs;
    }

    private static String required(String key, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("[[sim " + key + "= needs a value");
        }
        return value;
    }

    private static int integer(String key, String value) {
        try {
            return Integer.parseInt(required(key, value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("[[sim " + key + "= expects an integer, got " + value);
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s)?");

    /** {@code 300ms}, {@code 2s}, {@code 1.5s}, or a bare number of milliseconds. */
    static Duration duration(String value) {
        Matcher m = DURATION.matcher(required("latency", value));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration (use 300ms or 2s): " + value);
        }
        double amount = Double.parseDouble(m.group(1));
        double millis = "s".equals(m.group(2)) ? amount * 1000 : amount;
        return Duration.ofNanos((long) (millis * 1_000_000));
    }
}
