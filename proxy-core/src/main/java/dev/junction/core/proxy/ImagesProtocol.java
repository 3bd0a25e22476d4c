package dev.junction.core.proxy;

import dev.junction.core.media.FetchPolicy;
import dev.junction.core.media.FetchedMedia;
import dev.junction.core.media.MediaFetcher;
import dev.junction.core.media.MediaStore;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ImagesRequest;
import dev.junction.translators.model.ImagesResponse;
import dev.junction.translators.openai.ImagesEncoder;
import dev.junction.translators.spi.ImageGenerator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import dev.junction.translators.stream.StreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v1/images/generations} to whichever vendor an attempt's route names (wire-formats
 * §1.9, §3): the vendor's {@link ImageGenerator} builds each call and reads each answer; routing,
 * retries, failover and errors are the exchange's, as for chat. Answers the client in OpenAI's
 * shape: {@code b64_json} as slices of the vendor's base64 (never decoded), or {@code url} pointing
 * at Junction's own {@code GET /v1/media/{id}} after the image has been decoded into the media store
 * off the event loop. A vendor URL (dall-e's default answer) is copied, never handed out: it
 * expires within the hour.
 */
final class ImagesProtocol implements ExchangeProtocol {

    private final ImagesRequest request;
    private final String unsupportedPolicy;
    private final MediaStore media;
    private final MediaFetcher fetcher;
    private final FetchPolicy fetchPolicy;
    private final String mediaBase;
    private final long created = System.currentTimeMillis() / 1000;
    private Usage usage;
    private int images;

    /** @param mediaBase the base of the URLs handed out, e.g. {@code http://127.0.0.1:8080} */
    ImagesProtocol(ImagesRequest request, String unsupportedPolicy, MediaStore media, MediaFetcher fetcher,
                   FetchPolicy fetchPolicy, String mediaBase) {
        this.request = request;
        this.unsupportedPolicy = unsupportedPolicy;
        this.media = media;
        this.fetcher = fetcher;
        this.fetchPolicy = fetchPolicy;
        this.mediaBase = mediaBase;
    }

    @Override
    public boolean stream() {
        return false;
    }

    private static ImageGenerator generator(Route route) {
        ImageGenerator g = VendorRegistry.images(route.provider().type());
        if (g == null) {
            throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", "model",
                    "Provider '" + route.provider().name() + "' (type " + route.provider().type()
                            + ") makes no images. Route this model to an OpenAI-shaped or Gemini provider."));
        }
        return g;
    }

    @Override
    public Translator translator(Route route) {
        ImageGenerator g = generator(route);
        Target target = target(route);
        return new Translator() {
            @Override
            public int calls() {
                return g.calls(request, target);
            }

            @Override
            public UpstreamRequest request(ByteBufAllocator alloc, Warnings warnings) {
                return g.request(request, target, alloc, warnings);
            }

            @Override
            public ByteBuf answer(ByteBuf body, ByteBufAllocator alloc) {
                throw new UnsupportedOperationException("images answer through unaryAsync");
            }

            @Override
            public Usage usage() {
                return usage;
            }

            @Override
            public StreamProcessor streamProcessor() {
                throw new UnsupportedOperationException("images are not streamed");
            }

            @Override
            public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
                return g.error(route.target(), status, headers, body);
            }
        };
    }

    @Override
    public boolean asyncUnary() {
        return true;
    }

    @Override
    public Future<ByteBuf> unaryAsync(Route route, List<ByteBuf> answers, ByteBufAllocator alloc, EventLoop loop) {
        ImageGenerator g = generator(route);
        Target target = route.target();
        List<ImagesResponse.Image> found = new ArrayList<>();
        Usage sum = null;
        for (ByteBuf answer : answers) {
            ImagesResponse r = g.response(request, target, answer);
            found.addAll(r.images());
            if (r.usage() != null) {
                sum = sum == null ? r.usage() : sum.plus(r.usage());
            }
        }
        usage = sum;
        images = found.size();
        // The spans point into the answers: keep them until the client's body is written.
        List<ByteBuf> held = new ArrayList<>(answers.size() + found.size());
        for (ByteBuf a : answers) {
            held.add(a.retain());
        }
        Promise<ByteBuf> promise = loop.newPromise();
        List<CompletableFuture<ImagesEncoder.Item>> items = new ArrayList<>(found.size());
        for (int i = 0; i < found.size(); i++) {
            items.add(item(found.get(i), i, route, loop, held, alloc));
        }
        CompletableFuture.allOf(items.toArray(new CompletableFuture[0])).whenComplete((ok, failure) -> loop.execute(() -> {
            try {
                if (failure != null) {
                    Throwable c = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    promise.setFailure(c);
                    return;
                }
                List<ImagesEncoder.Item> out = new ArrayList<>(items.size());
                for (CompletableFuture<ImagesEncoder.Item> f : items) {
                    out.add(f.join());
                }
                promise.setSuccess(ImagesEncoder.encode(created, out, request.outputFormat(), usage, alloc));
            } catch (RuntimeException e) {
                promise.tryFailure(e);
            } finally {
                for (ByteBuf b : held) {
                    b.release();
                }
            }
        }));
        return promise;
    }

    /** One image as the client asked for it; runs file work on the media store's thread. */
    private CompletableFuture<ImagesEncoder.Item> item(ImagesResponse.Image img, int index, Route route, EventLoop loop,
                                                      List<ByteBuf> held, ByteBufAllocator alloc) {
        if (img.base64() != null) {
            ByteSpan s = img.base64();
            if (!request.wantsUrl()) {
                return CompletableFuture.completedFuture(new ImagesEncoder.Item(s, null, img.revisedPrompt()));
            }
            return media.storeBase64(s.buffer().retainedSlice(s.offset(), s.length()), img.mimeType())
                    .thenApply(it -> new ImagesEncoder.Item(null, url(it), img.revisedPrompt()));
        }
        CompletableFuture<ImagesEncoder.Item> result = new CompletableFuture<>();
        fetchVendorUrl(img.url(), index, route, loop).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new TranslationException(GatewayError.upstreamInvalidResponse("Provider '" + route.provider().name()
                        + "' answered an image URL that Junction could not copy: "
                        + (f.cause() instanceof TranslationException t ? t.error().message() : String.valueOf(f.cause())))));
                return;
            }
            FetchedMedia m = (FetchedMedia) f.getNow();
            if (request.wantsUrl()) {
                media.storeBytes(m.bytes(), m.mimeType()).whenComplete((it, err) -> {
                    if (err != null) {
                        result.completeExceptionally(err);
                    } else {
                        result.complete(new ImagesEncoder.Item(null, url(it), img.revisedPrompt()));
                    }
                });
            } else {
                ByteBuf b64 = m.encodeBase64(alloc);
                m.bytes().release();
                synchronized (held) {
                    held.add(b64);
                }
                result.complete(new ImagesEncoder.Item(new ByteSpan(b64, b64.readerIndex(), b64.readableBytes()), null,
                        img.revisedPrompt()));
            }
        });
        return result;
    }

    /**
     * Copies an image a vendor answered by URL. The provider's own origin is trusted (SPEC §6.2);
     * any other host goes through the address checks of SPEC §9.
     */
    private Future<FetchedMedia> fetchVendorUrl(String url, int index, Route route, EventLoop loop) {
        FetchPolicy policy = fetchPolicy;
        try {
            String host = URI.create(url).getHost();
            if (host != null && host.equalsIgnoreCase(route.origin().host())) {
                policy = policy.withAllow(host);
            }
        } catch (IllegalArgumentException e) {
            return loop.newFailedFuture(e);
        }
        if (fetcher == null) {
            return loop.newFailedFuture(new IllegalStateException("no media fetcher configured"));
        }
        return fetcher.fetch(url, "data[" + index + "].url", policy, loop);
    }

    private String url(MediaStore.Item item) {
        return mediaBase + "/v1/media/" + item.id();
    }

    @Override
    public int unaryImages() {
        return images;
    }

    /** The route's target with the drop/reject policy of {@code junction.translation}. */
    private Target target(Route route) {
        Target t = route.target();
        if (unsupportedPolicy == null || t.options().containsKey("unsupported")) {
            return t;
        }
        Map<String, String> options = new HashMap<>(t.options());
        options.put("unsupported", unsupportedPolicy);
        return new Target(t.provider(), t.type(), t.baseUrl(), t.model(), t.apiKey(), t.headers(), options);
    }
}
