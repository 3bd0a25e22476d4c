package dev.junction.core.media;

import dev.junction.translators.ingress.IngressRequest;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.Message;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Inlines the remote media of one request for a vendor that cannot fetch it (SPEC §9, issue
 * "translators": "https images passed as URLs where the vendor accepts them and otherwise fetched
 * and inlined"). Every URL the vendor does not take is fetched once, in parallel, through the
 * {@link MediaFetcher}; the request is then rebuilt with {@code MediaSource.Inline} parts whose base64
 * buffers this object owns until {@link #close()}. Confined to the request's event loop.
 */
public final class RemoteMedia implements AutoCloseable {

    private final MediaFetcher fetcher;
    private final FetchPolicy policy;
    private final Map<String, MediaSource.Inline> fetched = new LinkedHashMap<>();
    private final List<ByteBuf> owned = new ArrayList<>(1);
    private final List<Future<FetchedMedia>> inFlight = new ArrayList<>(1);
    private boolean closed;

    /** @param policy the current snapshot's policy (allow-list and limits follow config reloads) */
    public RemoteMedia(MediaFetcher fetcher, FetchPolicy policy) {
        this.fetcher = fetcher;
        this.policy = policy;
    }

    /** A URL in the request, and where it sits (the error's {@code param}). */
    private record Ref(String url, String param) {
    }

    /**
     * Inlines into a door's decoded {@code request} the media URLs {@code vendorTakes} refuses: its
     * chat form is replaced once every fetch is done; fails with the first fetch's
     * {@link TranslationException}.
     */
    public Future<Void> inlineInto(IngressRequest request, Predicate<String> vendorTakes, EventLoop loop,
                                   ByteBufAllocator alloc) {
        Future<ChatRequest> inlined;
        try {
            inlined = inline(request.chat(), vendorTakes, loop, alloc);
        } catch (TranslationException e) {
            return loop.newFailedFuture(e);
        }
        Promise<Void> ready = loop.newPromise();
        inlined.addListener(f -> {
            if (f.isSuccess()) {
                request.useChat(inlined.getNow());
                ready.setSuccess(null);
            } else {
                ready.setFailure(f.cause());
            }
        });
        return ready;
    }

    /**
     * Completes with {@code request} rebuilt so that no media URL remains that {@code vendorTakes}
     * refuses; fails with the {@link TranslationException} of the first fetch that failed.
     */
    public Future<ChatRequest> inline(ChatRequest request, Predicate<String> vendorTakes, EventLoop loop,
                                      ByteBufAllocator alloc) {
        List<Ref> refs = new ArrayList<>();
        for (int i = 0; i < request.messages().size(); i++) {
            if (request.messages().get(i) instanceof Message.User u) {
                for (int j = 0; j < u.content().size(); j++) {
                    String url = url(u.content().get(j));
                    if (url != null && !vendorTakes.test(url) && !fetched.containsKey(url)) {
                        refs.add(new Ref(url, "messages[" + i + "].content[" + j + "]"
                                + (u.content().get(j) instanceof ContentPart.Image ? ".image_url.url" : ".file.file_data")));
                    }
                }
            }
        }
        Promise<ChatRequest> done = loop.newPromise();
        if (refs.isEmpty()) {
            return done.setSuccess(rebuild(request));
        }
        int[] left = {refs.size()};
        for (Ref r : refs) {
            Future<FetchedMedia> f = fetcher.fetch(r.url, r.param, policy, loop);
            inFlight.add(f);
            f.addListener(x -> {
                if (done.isDone()) {
                    if (f.isSuccess()) {
                        f.getNow().bytes().release();
                    }
                    return;
                }
                if (!f.isSuccess()) {
                    cancelAll();
                    done.setFailure(f.cause());
                    return;
                }
                FetchedMedia m = f.getNow();
                try {
                    if (closed) {
                        return;
                    }
                    ByteBuf b64 = m.encodeBase64(alloc);
                    owned.add(b64);
                    fetched.put(r.url, new MediaSource.Inline(m.mimeType(), new ByteSpan(b64, 0, b64.readableBytes())));
                } finally {
                    m.bytes().release();
                }
                if (--left[0] == 0) {
                    done.setSuccess(rebuild(request));
                }
            });
        }
        return done;
    }

    private static String url(ContentPart p) {
        MediaSource s = p instanceof ContentPart.Image i ? i.source() : p instanceof ContentPart.File f ? f.source() : null;
        return s instanceof MediaSource.Url u ? u.url() : null;
    }

    private ChatRequest rebuild(ChatRequest r) {
        if (fetched.isEmpty()) {
            return r;
        }
        List<Message> messages = new ArrayList<>(r.messages().size());
        for (Message m : r.messages()) {
            if (m instanceof Message.User u) {
                List<ContentPart> parts = new ArrayList<>(u.content().size());
                for (ContentPart p : u.content()) {
                    MediaSource.Inline in = fetched.get(url(p));
                    if (in != null && p instanceof ContentPart.Image img) {
                        parts.add(new ContentPart.Image(in, img.detail()));
                    } else if (in != null && p instanceof ContentPart.File file) {
                        parts.add(new ContentPart.File(in, file.filename()));
                    } else {
                        parts.add(p);
                    }
                }
                messages.add(new Message.User(parts, u.name()));
            } else {
                messages.add(m);
            }
        }
        return r.withMessages(messages);
    }

    private void cancelAll() {
        for (Future<FetchedMedia> f : inFlight) {
            f.cancel(false);
        }
    }

    /** Cancels fetches still running and releases the fetched media. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cancelAll();
        for (ByteBuf b : owned) {
            b.release();
        }
        owned.clear();
        fetched.clear();
    }
}
