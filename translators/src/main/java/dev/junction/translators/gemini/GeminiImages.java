package dev.junction.translators.gemini;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.json.Base64Spans;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ImagesRequest;
import dev.junction.translators.model.ImagesResponse;
import dev.junction.translators.spi.ImageGenerator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Images on the Gemini API (wire-formats §3.1), two ways:
 * <ul>
 *   <li><b>Gemini image models</b> ({@code gemini-2.5-flash-image}, ...): {@code :generateContent}
 *       with {@code responseModalities: ["TEXT","IMAGE"]}; each image comes back as an
 *       {@code inlineData} part. One image per call, so {@code n > 1} is made as {@code n} calls.</li>
 *   <li><b>Imagen</b> ({@code imagen-*}): {@code :predict} with {@code instances[{prompt}]} and
 *       {@code parameters.sampleCount = n} (at most 4); images come back as
 *       {@code predictions[].bytesBase64Encoded}.</li>
 * </ul>
 * Which one is the API of the model named: models whose name starts with {@code imagen} are served
 * by {@code :predict} (Google exposes Imagen only there); the provider option
 * {@code image-api = predict | generate-content} overrides it.
 *
 * <p>{@code size} {@code WxH} becomes the aspect ratio W:H, which must be one the model offers
 * (otherwise a 400 naming it); the pixel count is the model's own. {@code output_format} jpeg/png
 * maps to Imagen's {@code outputOptions.mimeType}; {@code quality}, {@code style},
 * {@code background} and {@code output_format} on Gemini image models have no equivalent: rejected,
 * or dropped with a warning under {@code unsupported = drop}; {@code user} is dropped with a warning.
 * A blocked prompt ({@code promptFeedback.blockReason}) or an answer whose every image was filtered
 * ({@code finishReason IMAGE_SAFETY}..., Imagen {@code raiFilteredReason}) is {@code content_filter}.
 */
public final class GeminiImages implements ImageGenerator {

    static final int IMAGEN_MAX = 4;
    private static final Set<String> GEMINI_RATIOS = Set.of("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16",
            "16:9", "21:9");
    private static final Set<String> IMAGEN_RATIOS = Set.of("1:1", "3:4", "4:3", "9:16", "16:9");

    private final GeminiAdapter adapter;

    public GeminiImages(GeminiAdapter adapter) {
        this.adapter = adapter;
    }

    /** Whether {@code target} is served by Imagen's {@code :predict}. */
    static boolean imagen(Target target) {
        String api = target.option("image-api");
        if (api != null) {
            return api.equalsIgnoreCase("predict");
        }
        String m = target.model().startsWith("models/") ? target.model().substring(7) : target.model();
        return m.toLowerCase(Locale.ROOT).startsWith("imagen");
    }

    @Override
    public int calls(ImagesRequest request, Target target) {
        return imagen(target) ? 1 : request.n();
    }

    @Override
    public UpstreamRequest request(ImagesRequest r, Target target, ByteBufAllocator alloc, Warnings warnings) {
        boolean imagen = imagen(target);
        boolean drop = "drop".equals(target.option("unsupported"));
        String ratio = ratio(r.size(), imagen ? IMAGEN_RATIOS : GEMINI_RATIOS, imagen ? "Imagen" : "Gemini image models");
        if (imagen && r.n() > IMAGEN_MAX) {
            throw GeminiParameters.invalid("n", "Imagen makes at most " + IMAGEN_MAX + " images per request; got n="
                    + r.n() + ".");
        }
        String mime = null;
        if (r.outputFormat() != null) {
            if (imagen && (r.outputFormat().equals("png") || r.outputFormat().equals("jpeg"))) {
                mime = "image/" + r.outputFormat();
            } else {
                unsupported("output_format=" + r.outputFormat(), drop, warnings);
            }
        }
        if (r.quality() != null && !r.quality().equals("auto")) {
            unsupported("quality", drop, warnings);
        }
        if (r.style() != null) {
            unsupported("style", drop, warnings);
        }
        if (r.background() != null && !r.background().equals("auto")) {
            unsupported("background", drop, warnings);
        }
        if (r.user() != null) {
            warnings.add("gemini: dropped 'user' (no Gemini equivalent)");
        }
        String model = GeminiAdapter.modelPath(target.model());
        ByteBuf buf = alloc.buffer(256 + r.prompt().length() * 2);
        try (JsonGenerator g = GeminiEvents.JSON.getFactory().createGenerator((OutputStream) new ByteBufOutputStream(buf))) {
            g.writeStartObject();
            if (imagen) {
                g.writeArrayFieldStart("instances");
                g.writeStartObject();
                g.writeStringField("prompt", r.prompt());
                g.writeEndObject();
                g.writeEndArray();
                g.writeObjectFieldStart("parameters");
                g.writeNumberField("sampleCount", r.n());
                if (ratio != null) {
                    g.writeStringField("aspectRatio", ratio);
                }
                if (mime != null) {
                    g.writeObjectFieldStart("outputOptions");
                    g.writeStringField("mimeType", mime);
                    g.writeEndObject();
                }
                g.writeEndObject();
            } else {
                g.writeArrayFieldStart("contents");
                g.writeStartObject();
                g.writeStringField("role", "user");
                g.writeArrayFieldStart("parts");
                g.writeStartObject();
                g.writeStringField("text", r.prompt());
                g.writeEndObject();
                g.writeEndArray();
                g.writeEndObject();
                g.writeEndArray();
                g.writeObjectFieldStart("generationConfig");
                g.writeArrayFieldStart("responseModalities");
                g.writeString("TEXT");
                g.writeString("IMAGE");
                g.writeEndArray();
                if (ratio != null) {
                    g.writeObjectFieldStart("imageConfig");
                    g.writeStringField("aspectRatio", ratio);
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw new TranslationException(GatewayError.internal("Could not write the Gemini images request: " + e.getMessage()));
        }
        String path = "/v1beta/models/" + model + (imagen ? ":predict" : ":generateContent");
        return new UpstreamRequest("POST", path, GeminiAdapter.headers(target), buf, false);
    }

    /** {@code WxH} as a reduced ratio that must be in {@code allowed}; null for no size or {@code auto}. */
    static String ratio(String size, Set<String> allowed, String who) {
        if (size == null || size.equals("auto")) {
            return null;
        }
        int x = size.indexOf('x');
        int w;
        int h;
        try {
            w = Integer.parseInt(size.substring(0, Math.max(0, x)));
            h = Integer.parseInt(size.substring(x + 1));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw GeminiParameters.invalid("size", "'size' must be WIDTHxHEIGHT (e.g. 1024x1024) or auto; got '" + size + "'.");
        }
        if (w <= 0 || h <= 0) {
            throw GeminiParameters.invalid("size", "'size' must have a positive width and height; got '" + size + "'.");
        }
        int g = gcd(w, h);
        String ratio = (w / g) + ":" + (h / g);
        if (!allowed.contains(ratio)) {
            throw GeminiParameters.invalid("size", who + " cannot make size " + size + " (aspect ratio " + ratio
                    + "); they offer the aspect ratios " + new java.util.TreeSet<>(allowed)
                    + ", e.g. 1024x1024 or 1024x1536.");
        }
        return ratio;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    private static void unsupported(String field, boolean drop, Warnings warnings) {
        if (drop) {
            warnings.add("gemini: dropped '" + field + "' (no Gemini equivalent)");
            return;
        }
        throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", field.contains("=")
                ? field.substring(0, field.indexOf('=')) : field,
                "Gemini image generation has no equivalent of '" + field + "'. Remove it, or configure the provider "
                        + "with unsupported = drop to have it dropped with a warning."));
    }

    @Override
    public ImagesResponse response(ImagesRequest request, Target target, ByteBuf body) {
        Walk w = new Walk();
        try (JsonParser p = GeminiEvents.JSON.getFactory().createParser(
                (InputStream) new ByteBufInputStream(body.duplicate(), false))) {
            Base64Spans spans = new Base64Spans(p, body);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad("the answer is not a JSON object");
            }
            w.images.addAll(w.object(p, spans, null));
        } catch (IOException e) {
            throw bad("the answer is not valid JSON (" + e.getMessage() + ")");
        }
        if (w.error) {
            throw new TranslationException(adapter.error(200, null, body));
        }
        if (w.images.isEmpty()) {
            String why = w.blockReason != null ? "the prompt was blocked (" + w.blockReason + ")"
                    : w.filtered > 0 || (w.finishReason != null && w.finishReason.startsWith("IMAGE_"))
                    || "SAFETY".equals(w.finishReason) || "PROHIBITED_CONTENT".equals(w.finishReason)
                    ? "every image was filtered" + (w.filterReason != null ? " (" + w.filterReason + ")"
                    : w.finishReason != null ? " (" + w.finishReason + ")" : "")
                    : null;
            if (why != null) {
                throw new TranslationException(GatewayError.invalidRequest("content_filter", "prompt",
                        "Gemini made no image: " + why + ". Rephrase the prompt."));
            }
            throw bad("the answer holds no image" + (w.finishReason != null ? " (finishReason " + w.finishReason + ")" : ""));
        }
        Usage usage = w.promptTokens >= 0 ? Usage.of(w.promptTokens, Math.max(0, w.outputTokens)) : null;
        return new ImagesResponse(w.images, usage);
    }

    @Override
    public GatewayError error(Target target, int status, HttpHeaders headers, ByteBuf body) {
        return adapter.error(status, headers, body);
    }

    private static TranslationException bad(String what) {
        return new TranslationException(GatewayError.upstreamInvalidResponse(
                "The provider's images answer could not be read: " + what + "."));
    }

    /** A streaming walk over the whole answer collecting images, filter signals and usage. */
    private static final class Walk {
        final List<ImagesResponse.Image> images = new ArrayList<>();
        String blockReason;
        String finishReason;
        String filterReason;
        int filtered;
        boolean error;
        long promptTokens = -1;
        long outputTokens = -1;

        /** Reads one object (the parser is at its START_OBJECT); returns the images found in it. */
        List<ImagesResponse.Image> object(JsonParser p, Base64Spans spans, String name) throws IOException {
            List<ImagesResponse.Image> found = new ArrayList<>(1);
            ByteSpan data = null;
            String mime = null;
            boolean thought = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT) {
                    if (name == null && f.equals("error")) {
                        error = true;
                    }
                    found.addAll(object(p, spans, f));
                } else if (v == JsonToken.START_ARRAY) {
                    while (true) {
                        JsonToken e = p.nextToken();
                        if (e == JsonToken.END_ARRAY || e == null) {
                            break;
                        }
                        if (e == JsonToken.START_OBJECT) {
                            found.addAll(object(p, spans, f));
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (v == JsonToken.VALUE_STRING) {
                    if ((f.equals("data") && "inlineData".equals(name)) || f.equals("bytesBase64Encoded")) {
                        data = spans.current();
                    } else if (f.equals("mimeType")) {
                        mime = p.getText();
                    } else if (f.equals("blockReason")) {
                        blockReason = p.getText();
                    } else if (f.equals("finishReason")) {
                        finishReason = p.getText();
                    } else if (f.equals("raiFilteredReason")) {
                        filtered++;
                        filterReason = p.getText();
                    }
                } else if (v == JsonToken.VALUE_TRUE && f.equals("thought")) {
                    thought = true;
                } else if (v == JsonToken.VALUE_NUMBER_INT && "usageMetadata".equals(name)) {
                    if (f.equals("promptTokenCount")) {
                        promptTokens = p.getLongValue();
                    } else if (f.equals("candidatesTokenCount")) {
                        outputTokens = p.getLongValue();
                    }
                }
            }
            if (data != null) {
                found.add(new ImagesResponse.Image(data, mime != null ? mime : "image/png", null, null));
            }
            // A thought part's image is a draft the model discarded (Gemini 3 image models), not a result.
            return thought ? List.of() : found;
        }
    }
}
