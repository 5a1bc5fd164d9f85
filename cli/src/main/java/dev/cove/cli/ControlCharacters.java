package dev.cove.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * Keeps raw control characters off the operator's terminal. Tables, details and messages show text a sandbox
 * controls (a listener's argv, file names, metadata, the server's sentences quoting them); printed as it came, an
 * ESC, BEL or the one-character CSI U+009B would let the sandbox rewrite the operator's screen. Such characters are
 * shown as {@code \x1b} or {@code \u009b} instead; {@code --json} escapes them as JSON does (DEL and C1 included).
 * The output of {@code exec} and {@code shell} is the command's own and stays untouched.
 */
final class ControlCharacters {
    private static final CharacterEscapes JSON = new CharacterEscapes() {
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

    /** A factory whose JSON carries no raw C0, DEL or C1 character. */
    static JsonFactory jsonFactory() { return new JsonFactoryBuilder().characterEscapes(JSON).build(); }

    static boolean isControl(int c) { return c < 0x20 || c == 0x7f || isC1(c); }

    private static boolean isC1(int c) { return c >= 0x80 && c <= 0x9f; }

    /** {@code s} with each control character written visibly ({@code \x1b}, {@code \u009b}); null stays null. */
    static String visible(String s) {
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
