package dev.cove.sdk.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Decodes a byte stream arriving in chunks as UTF-8, keeping a character split across two chunks whole. */
public final class Utf8Chunks {
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private byte[] pending = new byte[0];

    public synchronized String feed(byte[] chunk) {
        byte[] all = new byte[pending.length + chunk.length];
        System.arraycopy(pending, 0, all, 0, pending.length);
        System.arraycopy(chunk, 0, all, pending.length, chunk.length);
        ByteBuffer in = ByteBuffer.wrap(all);
        CharBuffer out = CharBuffer.allocate(all.length + 1);
        decoder.decode(in, out, false);
        pending = new byte[in.remaining()];
        in.get(pending);
        out.flip();
        return out.toString();
    }

    /** What is left at the end of the stream (an incomplete character becomes U+FFFD). */
    public synchronized String finish() {
        if (pending.length == 0) return "";
        String s = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return s;
    }
}
