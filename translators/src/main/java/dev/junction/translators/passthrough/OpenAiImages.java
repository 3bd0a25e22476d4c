package dev.junction.translators.passthrough;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

/**
 * Images on OpenAI-shaped vendors ({@code openai}, {@code openai-compatible}, {@code azure-openai};
 * wire-formats §1.9): the client's request goes out with the model replaced and
 * {@code response_format} removed. Junction, not the vendor, decides how the client gets the
 * image: the GPT image models reject {@code response_format} outright ("Unknown parameter") and
 * always answer base64, while dall-e answers a vendor URL by default, which expires after an hour;
 * Junction copies such a URL into its own media store before answering either way.
 */
public final class OpenAiImages implements ImageGenerator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    private final OpenAiPassThrough vendor;

    public OpenAiImages(OpenAiPassThrough vendor) {
        this.vendor = vendor;
    }

    @Override
    public UpstreamRequest request(ImagesRequest request, Target target, ByteBufAllocator alloc, Warnings warnings) {
        ObjectNode body = request.raw().deepCopy();
        body.put("model", target.model());
        body.remove("response_format");
        String path = vendor.path(target, "/images/generations");
        List<java.util.Map.Entry<String, String>> headers = new ArrayList<>(vendor.headers(target));
        headers.add(java.util.Map.entry("content-type", "application/json"));
        ByteBuf buf = alloc.buffer(256 + request.prompt().length());
        try (OutputStream out = new ByteBufOutputStream(buf)) {
            JSON.writeValue(out, body);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw new TranslationException(GatewayError.internal("Could not write the images request: " + e.getMessage()));
        }
        return new UpstreamRequest("POST", path, headers, buf, false);
    }

    @Override
    public ImagesResponse response(ImagesRequest request, Target target, ByteBuf body) {
        List<ImagesResponse.Image> images = new ArrayList<>();
        Usage usage = null;
        String format = request.outputFormat();
        try (JsonParser p = FACTORY.createParser((InputStream) new ByteBufInputStream(body.duplicate(), false))) {
            Base64Spans spans = new Base64Spans(p, body);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad("the answer is not a JSON object");
            }
            List<Object[]> items = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "data" -> {
                        if (t != JsonToken.START_ARRAY) {
                            throw bad("'data' is not an array");
                        }
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            Object[] item = new Object[3];
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                JsonToken v = p.nextToken();
                                if (v == JsonToken.VALUE_STRING && f.equals("b64_json")) {
                                    item[0] = spans.current();
                                } else if (v == JsonToken.VALUE_STRING && f.equals("url")) {
                                    item[1] = p.getText();
                                } else if (v == JsonToken.VALUE_STRING && f.equals("revised_prompt")) {
                                    item[2] = p.getText();
                                } else {
                                    p.skipChildren();
                                }
                            }
                            items.add(item);
                        }
                    }
                    case "output_format" -> {
                        if (t == JsonToken.VALUE_STRING) {
                            format = p.getText();
                        }
                    }
                    case "usage" -> {
                        if (t == JsonToken.START_OBJECT) {
                            com.fasterxml.jackson.databind.JsonNode u = JSON.readTree(p);
                            usage = Usage.of(Math.max(0, u.path("input_tokens").asLong()),
                                    Math.max(0, u.path("output_tokens").asLong()));
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            String mime = mimeOf(format);
            for (Object[] item : items) {
                if (item[0] == null && item[1] == null) {
                    throw bad("an item of 'data' has neither 'b64_json' nor 'url'");
                }
                images.add(new ImagesResponse.Image((ByteSpan) item[0], mime, (String) item[1], (String) item[2]));
            }
        } catch (IOException e) {
            throw bad("the answer is not valid JSON (" + e.getMessage() + ")");
        }
        if (images.isEmpty()) {
            throw bad("the answer holds no image");
        }
        return new ImagesResponse(images, usage);
    }

    @Override
    public GatewayError error(Target target, int status, HttpHeaders headers, ByteBuf body) {
        return vendor.error(target, status, headers, body);
    }

    /** The media type of an OpenAI {@code output_format} (png when absent: dall-e and the default). */
    static String mimeOf(String outputFormat) {
        if (outputFormat == null) {
            return "image/png";
        }
        return switch (outputFormat) {
            case "jpeg", "jpg" -> "image/jpeg";
            case "webp" -> "image/webp";
            default -> "image/png";
        };
    }

    private static TranslationException bad(String what) {
        return new TranslationException(GatewayError.upstreamInvalidResponse(
                "The provider's images answer could not be read: " + what + "."));
    }
}
