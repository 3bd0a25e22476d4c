package dev.junction.translators.ingress;

import dev.junction.stream.StreamEncoder;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.Vendor;
import dev.junction.translators.spi.VendorAdapter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One client request as it came in through one door (DESIGN "Doors and vendors"): the door's
 * ingress codec, bound to the request. Vendors never learn which door a request used: a
 * {@link VendorAdapter} sees only the canonical request this decodes and produces canonical answers
 * and stream events, which this encodes back in the door's shape. One subclass per door:
 * {@code openai.OpenAiRequest} (chat completions and embeddings), {@code messages.MessagesRequest}
 * (Anthropic Messages), and so on.
 *
 * <p><b>Contract of a door</b> (what a subclass implements):
 * <ul>
 *   <li>{@link #door()}: its name ({@code chat}, {@code messages}, {@code responses}), the
 *       "ingress shape" other parts key on (a cache entry, a metric label).</li>
 *   <li>{@link #decode()}: the client's body → canonical {@link ChatRequest}, called at most once,
 *       lazily (a request carried as bytes is never decoded). Throws
 *       {@link dev.junction.translators.spi.TranslationException} with a SPEC §4 error for a body
 *       that is invalid or asks what the canonical model cannot carry. Media may stay spans of
 *       {@link #body()}, which outlives the request's use.</li>
 *   <li>{@link #encodeAnswer}: a canonical unary answer → the client's body (choice 0 unless the
 *       door has {@code n}); {@link #streamEncoder}: a fresh {@link StreamEncoder} writing canonical
 *       events as the door's stream (its own framing, end marker and in-band error);
 *       {@link #errors()}: how the door renders SPEC §4 failures.</li>
 *   <li>{@link #passThrough}: when the chosen vendor speaks the door's own shape (chat → OpenAI,
 *       Messages → Anthropic, Responses → OpenAI), the {@link Translator} that carries the client's
 *       bytes to it and its bytes back (DESIGN house rule 5); null for every other vendor, which
 *       then gets the canonical path ({@link dev.junction.translators.openai.CanonicalTranslator}
 *       over the vendor's {@link Vendor#adapter()}).</li>
 * </ul>
 * The canonical path is the same for every door: {@code CanonicalTranslator} asks this object for
 * the canonical request, feeds the vendor's answer back through {@link #encodeAnswer} and its
 * stream through {@link #streamEncoder}, and maps vendor errors with the vendor's adapter. The
 * proxy renders failures with {@link #errors()}.
 *
 * <p>Shared by every attempt of the request, confined to its event loop; the body stays owned by
 * the exchange.
 */
public abstract class IngressRequest {

    private final ByteBuf body;
    /** Made from the two parts below on first use when the door gave them apart. */
    private String responseId;
    private final String idPrefix;
    private final String idSuffix;
    private final long created;
    private ChatRequest chat;

    /**
     * @param body       the client's body (not owned)
     * @param responseId the id of a translated answer, in the door's form ({@code chatcmpl-…}, {@code msg_…})
     * @param created    when the request was received, epoch seconds
     */
    protected IngressRequest(ByteBuf body, String responseId, long created) {
        this(body, responseId, null, created);
    }

    /**
     * The id of a translated answer given as its two parts ({@code chatcmpl-} and the request id),
     * joined only if an answer is translated: an answer passed through keeps the vendor's id.
     */
    protected IngressRequest(ByteBuf body, String idPrefix, String idSuffix, long created) {
        this.body = body;
        this.idPrefix = idPrefix;
        this.idSuffix = idSuffix;
        this.responseId = idSuffix == null ? idPrefix : null;
        this.created = created;
    }

    /** The door's name: {@code chat}, {@code messages}, {@code responses}. */
    public abstract String door();

    /** The client's body (not owned). */
    public final ByteBuf body() {
        return body;
    }

    /** Whether the client asked for a stream. */
    public abstract boolean stream();

    public final String responseId() {
        String id = responseId;
        if (id == null) {
            id = idPrefix + idSuffix;
            responseId = id;
        }
        return id;
    }

    public final long created() {
        return created;
    }

    /** The canonical request, decoded on first use; throws {@code TranslationException} for an invalid body. */
    public final ChatRequest chat() {
        if (chat == null) {
            chat = decode();
        }
        return chat;
    }

    /** Replaces the canonical request, e.g. by one whose remote media were fetched and inlined. */
    public final void useChat(ChatRequest inlined) {
        this.chat = inlined;
    }

    /** The client's body → the canonical request (see the class comment). */
    protected abstract ChatRequest decode();

    /**
     * The client's body for a canonical unary answer (owned by the caller). {@code model} is the
     * model that served it (the deployment's vendor model name).
     */
    public abstract ByteBuf encodeAnswer(ChatResponse answer, String model, ByteBufAllocator alloc);

    /** A fresh encoder of the canonical events of one streamed answer in the door's shape. */
    public abstract StreamEncoder streamEncoder(String model);

    /** How this door renders failures. */
    public abstract ErrorShape errors();

    /**
     * The translator that carries this request's bytes to {@code vendor} when the vendor speaks the
     * door's own wire format, else null (the canonical path). {@code unsupportedPolicy} is the
     * configured {@code translation.unsupported}.
     */
    public Translator passThrough(Vendor vendor, Target target, String unsupportedPolicy) {
        return null;
    }
}
