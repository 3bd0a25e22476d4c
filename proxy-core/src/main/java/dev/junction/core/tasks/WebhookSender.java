package dev.junction.core.tasks;

import dev.junction.core.config.TasksConfig;
import dev.junction.core.media.AddressClassifier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;

/**
 * Sends one webhook delivery (SPEC §6.3), signed per Standard Webhooks: {@code webhook-id},
 * {@code webhook-timestamp} (unix seconds) and {@code webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">} keyed with the base64-decoded part of the {@code whsec_} secret.
 *
 * <p>Targets go through the address rules of the media fetcher (SPEC §9, {@link AddressClassifier}
 * and the {@code webhooks.allow} list in {@code media-fetch.allow} syntax): a host resolving to a
 * loopback, private or link-local address is refused unless allow-listed, and plain http is
 * allowed only to allow-listed targets. Name resolution blocks, so deliveries run on their own
 * small executor, never on an event loop.
 */
public final class WebhookSender implements AutoCloseable {

    /** How a delivery went: the receiver's status, or why there was none; permanent = do not retry. */
    public record Result(Integer status, String error, boolean permanent) {
    }

    private final ExecutorService executor;
    private final HttpClient http;
    private final LongSupplier clock;

    public WebhookSender(LongSupplier clockMillis) {
        this.clock = clockMillis;
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "junction-webhooks");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().executor(executor).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(java.time.Duration.ofSeconds(5)).build();
    }

    public CompletableFuture<Result> deliver(String url, String id, byte[] body, String secret,
                                             TasksConfig.Webhooks settings) {
        if (secret == null) {
            return CompletableFuture.completedFuture(new Result(null,
                    "no webhook secret configured (junction.tasks.webhooks.secret or the key's webhook-secret)", true));
        }
        return CompletableFuture.supplyAsync(() -> checkTarget(url, settings), executor).thenCompose(refusal -> {
            if (refusal != null) {
                return CompletableFuture.completedFuture(new Result(null, refusal, true));
            }
            long ts = clock.getAsLong() / 1000;
            HttpRequest req = HttpRequest.newBuilder(URI.create(url))
                    .timeout(settings.timeout())
                    .header("content-type", "application/json")
                    .header("user-agent", "Junction-Webhooks")
                    .header("webhook-id", id)
                    .header("webhook-timestamp", Long.toString(ts))
                    .header("webhook-signature", sign(secret, id, ts, body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            return http.sendAsync(req, HttpResponse.BodyHandlers.discarding())
                    .thenApply(r -> new Result(r.statusCode(), null, false))
                    .exceptionally(e -> new Result(null, describe(e), false));
        });
    }

    /** The Standard Webhooks signature header value for one message. */
    public static String sign(String secret, String id, long timestampSeconds, byte[] body) {
        try {
            byte[] key = Base64.getDecoder().decode(secret.startsWith("whsec_") ? secret.substring(6) : secret);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            mac.update(body);
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Null when {@code url} may be called, else why not. Used at submission (without name
     * resolution: {@code resolve = false}) and before every delivery.
     */
    public static String checkTarget(String url, TasksConfig.Webhooks settings) {
        return check(url, settings, true);
    }

    /** The checks that need no name resolution (scheme, host, IP literals): for the API at submission. */
    public static String checkSyntax(String url, TasksConfig.Webhooks settings) {
        return check(url, settings, false);
    }

    private static String check(String url, TasksConfig.Webhooks settings, boolean resolve) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            return "not a valid URL";
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        String host = u.getHost();
        if (!(scheme.equals("https") || scheme.equals("http")) || host == null || u.getUserInfo() != null) {
            return "must be an https:// (or allow-listed http://) URL with a host and no user info";
        }
        boolean hostAllowed = settings.allow().hostAllowed(host);
        boolean literal = host.startsWith("[") || Character.isDigit(host.charAt(host.length() - 1)) && host.indexOf(':') < 0
                && host.chars().allMatch(ch -> Character.isDigit(ch) || ch == '.');
        if (hostAllowed) {
            return null;
        }
        if (!resolve && !literal) {
            return scheme.equals("http") ? "plain http is allowed only to hosts in junction.tasks.webhooks.allow" : null;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            return resolve ? "host " + host + " does not resolve" : null;
        }
        boolean allInAllowedNetworks = true;
        for (InetAddress a : addresses) {
            boolean allowed = settings.allow().networkAllowed(a);
            allInAllowedNetworks &= allowed;
            if (!allowed && !AddressClassifier.isPublic(a)) {
                return host + " resolves to " + AddressClassifier.classify(a).describe()
                        + " address " + a.getHostAddress() + "; add it to junction.tasks.webhooks.allow to permit it";
            }
        }
        if (scheme.equals("http") && !allInAllowedNetworks) {
            return "plain http is allowed only to targets in junction.tasks.webhooks.allow";
        }
        return null;
    }

    private static String describe(Throwable e) {
        Throwable c = e.getCause() != null ? e.getCause() : e;
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
