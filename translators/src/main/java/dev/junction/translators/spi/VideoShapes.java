package dev.junction.translators.spi;

import dev.junction.stream.GatewayError;

import java.util.Collection;

/** Checks shared by the video vendors: OpenAI's {@code seconds} and {@code size} strings. */
public final class VideoShapes {

    private VideoShapes() {
    }

    /** {@code seconds} as an integer within what {@code vendor} offers, or {@code dflt} when absent. */
    public static int seconds(String seconds, int dflt, Collection<Integer> offered, String vendor) {
        if (seconds == null) {
            return dflt;
        }
        int s;
        try {
            s = Integer.parseInt(seconds.trim());
        } catch (NumberFormatException e) {
            throw invalid("seconds", "'seconds' must be a whole number of seconds as a string, e.g. \"8\"; got '" + seconds + "'.");
        }
        if (!offered.contains(s)) {
            throw invalid("seconds", vendor + " cannot make a video of " + seconds + " seconds; it offers "
                    + offered + " seconds.");
        }
        return s;
    }

    public static TranslationException invalid(String param, String message) {
        return new TranslationException(GatewayError.invalidRequest("invalid_value", param, message));
    }
}
