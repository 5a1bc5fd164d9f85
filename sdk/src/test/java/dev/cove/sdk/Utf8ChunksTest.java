package dev.cove.sdk;

import dev.cove.sdk.internal.Utf8Chunks;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Output arrives in chunks that may split a character; the text must not show a replacement character. */
class Utf8ChunksTest {
    @Test
    void aCharacterSplitAcrossChunksStaysWhole() {
        byte[] all = "é→😀".getBytes(StandardCharsets.UTF_8);
        Utf8Chunks d = new Utf8Chunks();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < all.length; i++) sb.append(d.feed(Arrays.copyOfRange(all, i, i + 1)));
        sb.append(d.finish());
        assertThat(sb.toString()).isEqualTo("é→😀");
    }

    @Test
    void aTruncatedCharacterAtTheEndBecomesAReplacement() {
        Utf8Chunks d = new Utf8Chunks();
        assertThat(d.feed(new byte[]{'a', (byte) 0xE2, (byte) 0x86})).isEqualTo("a");
        assertThat(d.finish()).isEqualTo("\uFFFD");
    }
}
