package dev.junction.translators;

import dev.junction.translators.anthropic.AnthropicAdapter;
import dev.junction.translators.gemini.GeminiAdapter;
import dev.junction.translators.openaichat.OpenAiChatAdapter;
import dev.junction.translators.gemini.GeminiImages;
import dev.junction.translators.passthrough.OpenAiImages;
import dev.junction.translators.spi.ImageGenerator;
import dev.junction.translators.spi.VideoVendor;
import dev.junction.translators.gemini.VeoVideos;
import dev.junction.translators.passthrough.OpenAiVideos;
import dev.junction.translators.runway.RunwayVideos;
import dev.junction.translators.passthrough.OpenAiPassThrough;
import dev.junction.translators.passthrough.PassThroughVendor;
import dev.junction.translators.spi.Vendor;
import dev.junction.translators.spi.VendorAdapter;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every provider {@code type} Junction speaks, one line each: OpenAI-shaped vendors are carried as
 * bytes ({@link PassThroughVendor}); the others are translated through the canonical model
 * ({@link VendorAdapter}). Both are a {@link Vendor}, resolved once per route. Adding a vendor adds
 * a line here (README "Adding a vendor").
 */
public final class VendorRegistry {

    private static final Map<String, Vendor> VENDORS = Map.of(
            "openai", new OpenAiPassThrough("openai", OpenAiPassThrough.Flavor.OPENAI),
            "openai-compatible", new OpenAiPassThrough("openai-compatible", OpenAiPassThrough.Flavor.COMPATIBLE),
            "azure-openai", new OpenAiPassThrough("azure-openai", OpenAiPassThrough.Flavor.AZURE),
            "anthropic", new AnthropicAdapter(),
            "gemini", new GeminiAdapter());

    /**
     * OpenAI-shaped vendors on the canonical model, for the doors that are not OpenAI chat
     * (the chat door keeps the byte pass-through of {@link #VENDORS}).
     */
    private static final Map<String, VendorAdapter> OPENAI_CHAT = Map.of(
            "openai", new OpenAiChatAdapter((OpenAiPassThrough) VENDORS.get("openai")),
            "openai-compatible", new OpenAiChatAdapter((OpenAiPassThrough) VENDORS.get("openai-compatible")),
            "azure-openai", new OpenAiChatAdapter((OpenAiPassThrough) VENDORS.get("azure-openai")));

    private static final Map<String, ImageGenerator> IMAGES = Map.of(
            "openai", new OpenAiImages((OpenAiPassThrough) VENDORS.get("openai")),
            "openai-compatible", new OpenAiImages((OpenAiPassThrough) VENDORS.get("openai-compatible")),
            "azure-openai", new OpenAiImages((OpenAiPassThrough) VENDORS.get("azure-openai")),
            "gemini", new GeminiImages((GeminiAdapter) VENDORS.get("gemini")));

    private static final Map<String, VideoVendor> VIDEOS = Map.of(
            "openai", new OpenAiVideos((OpenAiPassThrough) VENDORS.get("openai")),
            "openai-compatible", new OpenAiVideos((OpenAiPassThrough) VENDORS.get("openai-compatible")),
            "gemini", new VeoVideos((GeminiAdapter) VENDORS.get("gemini")),
            RunwayVideos.TYPE, new RunwayVideos());

    private VendorRegistry() {
    }

    /** The vendor for {@code type}, or null when the type is unknown. */
    public static Vendor vendor(String type) {
        return VENDORS.get(type);
    }

    /** The pass-through vendor for {@code type}, or null when the type is translated or unknown (tests, golden files). */
    public static PassThroughVendor passThrough(String type) {
        return VENDORS.get(type) instanceof PassThroughVendor p ? p : null;
    }

    /** The translating adapter for {@code type}, or null (tests, golden files). */
    public static VendorAdapter adapter(String type) {
        return VENDORS.get(type) instanceof VendorAdapter a ? a : null;
    }

    /**
     * The vendor's side of the canonical model, for every chat type: the translating adapter, or
     * for an OpenAI-shaped vendor its chat completions adapter ({@link OpenAiChatAdapter}). Doors
     * whose shape differs from the vendor's (and cache replays) translate through it; null when
     * the type is unknown. Bind it to a route with {@link VendorAdapter#forTarget}.
     */
    public static VendorAdapter canonicalAdapter(String type) {
        VendorAdapter a = adapter(type);
        return a != null ? a : OPENAI_CHAT.get(type);
    }

    /** The image generator for {@code type}, or null when the vendor makes no images. */
    public static ImageGenerator images(String type) {
        return IMAGES.get(type);
    }

    /** The asynchronous video vendor for {@code type}, or null when the vendor makes no videos. */
    public static VideoVendor videos(String type) {
        return VIDEOS.get(type);
    }

    /** The kinds of request a client makes, each served by some provider types only. */
    public enum Operation {
        CHAT("chat completions"), EMBEDDINGS("embeddings"), IMAGES("image generation"), VIDEO("video generation");

        private final String words;

        Operation(String words) {
            this.words = words;
        }

        /** How an error message names it, e.g. {@code chat completions}. */
        public String words() {
            return words;
        }
    }

    /**
     * Whether provider {@code type} can serve {@code op} at all, whatever the model: routing rules
     * out the deployments that cannot (a video-only vendor for chat, a chat vendor for video, a
     * vendor without an embeddings API for embeddings) before any attempt.
     */
    public static boolean serves(String type, Operation op) {
        return switch (op) {
            case CHAT -> VENDORS.containsKey(type);
            case EMBEDDINGS -> VENDORS.get(type) instanceof PassThroughVendor
                    || VENDORS.get(type) instanceof VendorAdapter a && a.offersEmbeddings();
            case IMAGES -> IMAGES.containsKey(type);
            case VIDEO -> VIDEOS.containsKey(type);
        };
    }

    /** The types that serve the OpenAI doors (chat, embeddings); {@code runway} makes videos only. */
    public static Set<String> types() {
        return new TreeSet<>(VENDORS.keySet());
    }
}
