package dev.junction.core.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One cached answer, as the client of its door received it (docs/cache.md "What an entry holds"):
 * either the unary body, or the stream's events one by one — each event's bytes exactly as they
 * were sent, so chunk boundaries, tool-call fragments, reasoning and usage replay as they came.
 * Each piece carries {@link Splice}s: where its id and creation time are (replaced on replay) and
 * where a member exists only because the recording client asked for usage. The other form (a
 * unary answer from a stream, a stream from a unary answer) is produced on replay by the door's
 * {@link ReplayShape}.
 *
 * <p>Kept as this object in process, encoded as bytes ({@link #encode}) in Redis; it weighs
 * {@link #weight()} against the alias's {@code max-bytes}.
 *
 * @param ingress        the door the answer was given through ({@link ReplayShape#ingress()})
 * @param stream         true when {@code pieces} are stream events, false for one unary body
 * @param includeUsage   a stream: whether the recording client asked for usage (so its chunks carry
 *                       {@code "usage":null} and a usage chunk)
 * @param provider       the provider that served the answer ({@code x-junction-provider}), or ""
 * @param upstreamModel  the model it was sent to ({@code x-junction-model}), or ""
 * @param responseModel  the {@code model} the answer itself names, or ""
 * @param usage          {prompt, completion, cached input, cache write, reasoning} tokens the vendor
 *                       reported; prompt is -1 when unknown
 * @param pieces         the events of a stream, or the one body of a unary answer
 */
public record CacheEntry(String ingress, boolean stream, boolean includeUsage, String provider, String upstreamModel,
                         String responseModel, long[] usage, List<Piece> pieces) {

    /** Kinds of piece. */
    public static final byte BODY = 0;
    public static final byte CHUNK = 1;
    /** A stream event that only carries usage (OpenAI {@code choices: []} + {@code usage}). */
    public static final byte USAGE = 2;
    /** The stream's end marker ({@code data: [DONE]}). */
    public static final byte DONE = 3;
    /** Any other event, replayed as it is. */
    public static final byte OTHER = 4;

    /** Splice kinds. */
    public static final byte ID = 0;
    public static final byte CREATED = 1;
    /** Bytes present only when the recording client asked for usage (e.g. {@code ,"usage":null}). */
    public static final byte USAGE_ONLY = 2;
    /** An output item's id (a quoted string), replaced by a fresh id of the same kind ({@link ResponsesShape}). */
    public static final byte ITEM_ID = 3;

    /** {@code [start, end)} of {@code bytes}, replaced on replay according to {@code what}. */
    public record Splice(int start, int end, byte what) {
    }

    /** One event (or the body) and its splices, in order of position. */
    public record Piece(byte kind, byte[] bytes, List<Splice> splices) {
        public Piece {
            splices = List.copyOf(splices);
        }
    }

    public CacheEntry {
        pieces = List.copyOf(pieces);
    }

    private static final int MAGIC = 0x4a430001; // "JC", format 1

    /** The entry as bytes (what the stores keep). */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeUTF(ingress);
            out.writeBoolean(stream);
            out.writeBoolean(includeUsage);
            out.writeUTF(provider);
            out.writeUTF(upstreamModel);
            out.writeUTF(responseModel);
            for (int i = 0; i < 5; i++) {
                out.writeLong(usage[i]);
            }
            out.writeInt(pieces.size());
            for (Piece p : pieces) {
                out.writeByte(p.kind());
                out.writeInt(p.splices().size());
                for (Splice s : p.splices()) {
                    out.writeInt(s.start());
                    out.writeInt(s.end());
                    out.writeByte(s.what());
                }
                out.writeInt(p.bytes().length);
                out.write(p.bytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads {@link #encode}'s bytes; null when they are not an entry of this format (e.g. an older one). */
    public static CacheEntry decode(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            if (in.readInt() != MAGIC) {
                return null;
            }
            String ingress = in.readUTF();
            boolean stream = in.readBoolean();
            boolean includeUsage = in.readBoolean();
            String provider = in.readUTF();
            String upstreamModel = in.readUTF();
            String responseModel = in.readUTF();
            long[] usage = new long[5];
            for (int i = 0; i < 5; i++) {
                usage[i] = in.readLong();
            }
            int n = in.readInt();
            List<Piece> pieces = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte kind = in.readByte();
                int ns = in.readInt();
                List<Splice> splices = new ArrayList<>(ns);
                for (int j = 0; j < ns; j++) {
                    splices.add(new Splice(in.readInt(), in.readInt(), in.readByte()));
                }
                byte[] bytes = new byte[in.readInt()];
                in.readFully(bytes);
                pieces.add(new Piece(kind, bytes, splices));
            }
            return new CacheEntry(ingress, stream, includeUsage, provider, upstreamModel, responseModel, usage, pieces);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * What the entry counts against {@code max-bytes}: its pieces' bytes plus a fixed allowance per
     * piece and for the header (close to {@link #encode()}'s length, without encoding).
     */
    public long weight() {
        return size() + 64L + 16L * pieces.size();
    }

    /** Bytes of the pieces. */
    public int size() {
        int n = 0;
        for (Piece p : pieces) {
            n += p.bytes().length;
        }
        return n;
    }

    /** The vendor's usage, or null when it reported none. */
    public dev.junction.stream.Usage usageOrNull() {
        return usage[0] < 0 ? null
                : new dev.junction.stream.Usage(usage[0], usage[1], usage[2], usage[3], usage[4]);
    }
}
