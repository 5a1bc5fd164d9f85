package dev.cove.api.http;

import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncoding;

import java.util.Set;

/**
 * Lets requests with {@code Content-Encoding: gzip} through Helidon undecoded (Helidon refuses encodings it does not
 * know with a bare 400): the agent API's upload decodes gzip itself, streaming. Responses are never encoded by
 * Helidon; handlers that compress say so themselves.
 */
public final class PassThroughGzip implements ContentEncoding {
    @Override public Set<String> ids() { return Set.of("gzip", "x-gzip"); }

    @Override public boolean supportsEncoding() { return false; }

    @Override public boolean supportsDecoding() { return true; }

    @Override public ContentDecoder decoder() { return ContentDecoder.NO_OP; }

    @Override public ContentEncoder encoder() { return ContentEncoder.NO_OP; }

    @Override public String name() { return "gzip-pass-through"; }

    @Override public String type() { return "gzip"; }
}
