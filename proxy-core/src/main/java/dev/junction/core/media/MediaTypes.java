package dev.junction.core.media;

import io.netty.buffer.ByteBuf;

import java.util.Locale;

/** Media-type handling for fetched bodies: {@code Content-Type} parsing and magic-byte sniffing. */
public final class MediaTypes {

    private MediaTypes() {
    }

    /**
     * The bare, lower-case media type of a {@code Content-Type} value ({@code image/jpg} and
     * {@code image/pjpeg} normalised to {@code image/jpeg}), or null when absent or empty.
     */
    public static String parseContentType(String header) {
        if (header == null) {
            return null;
        }
        int semi = header.indexOf(';');
        String t = (semi < 0 ? header : header.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        if (t.isEmpty()) {
            return null;
        }
        return switch (t) {
            case "image/jpg", "image/pjpeg" -> "image/jpeg";
            default -> t;
        };
    }

    /** True for types that say nothing about the content, so the bytes must be sniffed. */
    public static boolean isGeneric(String mime) {
        return mime == null || mime.equals("application/octet-stream") || mime.equals("binary/octet-stream")
                || mime.equals("application/binary") || mime.equals("application/unknown");
    }

    /** True for the types {@link #sniff} recognises, whose files always start with a signature. */
    public static boolean isSniffable(String mime) {
        return mime != null && switch (mime) {
            case "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf" -> true;
            default -> false;
        };
    }

    /**
     * The media type of {@code buf}'s readable bytes by their signature (PNG, JPEG, GIF, WebP,
     * PDF), or null. Does not move the reader index.
     */
    public static String sniff(ByteBuf buf) {
        int i = buf.readerIndex();
        int n = buf.readableBytes();
        if (n >= 8 && buf.getLong(i) == 0x89504E470D0A1A0AL) {
            return "image/png";
        }
        if (n >= 3 && (buf.getUnsignedMedium(i)) == 0xFFD8FF) {
            return "image/jpeg";
        }
        if (n >= 6 && startsWith(buf, i, "GIF8") && (buf.getByte(i + 4) == '7' || buf.getByte(i + 4) == '9')
                && buf.getByte(i + 5) == 'a') {
            return "image/gif";
        }
        if (n >= 12 && startsWith(buf, i, "RIFF") && startsWith(buf, i + 8, "WEBP")) {
            return "image/webp";
        }
        if (n >= 5 && startsWith(buf, i, "%PDF-")) {
            return "application/pdf";
        }
        return null;
    }

    private static boolean startsWith(ByteBuf buf, int at, String ascii) {
        for (int k = 0; k < ascii.length(); k++) {
            if (buf.getByte(at + k) != (byte) ascii.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
