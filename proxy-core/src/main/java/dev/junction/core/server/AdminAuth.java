package dev.junction.core.server;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The admin endpoints accept the admin key as {@code Authorization: Bearer <key>} (scripts) or as
 * the password of HTTP Basic authentication, so that a browser can open the dashboard: it asks for
 * the credentials once and sends them with the page's own requests to {@code /admin/*.json}
 * endpoints. The user name is ignored.
 */
final class AdminAuth {

    static final String CHALLENGE = "Basic realm=\"Junction admin\", charset=\"UTF-8\"";

    private AdminAuth() {
    }

    /** {@code authorization} with Basic credentials turned into {@code Bearer <password>}; others unchanged. */
    static String asBearer(String authorization) {
        if (authorization == null || authorization.length() < 7 || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return authorization;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : "Bearer " + decoded.substring(colon + 1);
    }
}
