package dev.cove.core.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * Keeps raw control characters out of what the API writes. Much of it is text a sandbox controls (a listener's
 * argv, file names, process arguments), and a client that prints it as it came (a terminal, a log viewer) would
 * obey an ESC, BEL or CSI the sandbox chose. JSON's rules escape only U+0000-U+001F, so {@link #JSON} escapes DEL
 * and the C1 controls (U+0080-U+009F, where U+009B is a one-character CSI) too; the value a JSON reader sees is
 * unchanged, only its bytes on the wire differ.
 */
public final class ControlCharacters {
    /** Jackson's escapes for every mapper of the module (JSON's own, plus DEL and C1 as {@code \}{@code u00XX}). */
    public static final CharacterEscapes JSON = new CharacterEscapes() {
        private final int[] ascii = ascii();

        private static int[] ascii() {
            int[] codes = standardAsciiEscapesForJSON();
            codes[0x7f] = ESCAPE_STANDARD;
            return codes;
        }

        @Override
        public int[] getEscapeCodesForAscii() { return ascii; }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return isC1(ch) ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    };

    private ControlCharacters() {}

    /** A factory for the module's mappers: everything they write goes through {@link #JSON}. */
    public static JsonFactory jsonFactory() { return new JsonFactoryBuilder().characterEscapes(JSON).build(); }

    /** Whether {@code c} is a C0 control, DEL or a C1 control. */
    public static boolean isControl(int c) { return c < 0x20 || c == 0x7f || isC1(c); }

    private static boolean isC1(int c) { return c >= 0x80 && c <= 0x9f; }

    /**
     * {@code s} with each control character written visibly ({@code \x1b}, {@code \u009b}), for places that are not
     * JSON (HTTP headers, plain-text answers); null stays null.
     */
    public static String visible(String s) {
        if (s == null || s.chars().noneMatch(ControlCharacters::isControl)) return s;
        StringBuilder b = new StringBuilder(s.length() + 8);
        s.chars().forEach(c -> {
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", c));
            else if (isC1(c)) b.append(String.format("\\u%04x", c));
            else b.append((char) c);
        });
        return b.toString();
    }
}
