package dev.cove.core;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** Sandbox ids as E2B shapes them: lowercase letters and digits, 20 characters when generated. */
public final class SandboxId {
    private static final Pattern VALID = Pattern.compile("^[a-z0-9]{1,64}$");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    public static final int LENGTH = 20;

    private SandboxId() {}

    public static String generate() {
        char[] id = new char[LENGTH];
        for (int i = 0; i < id.length; i++) id[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        return new String(id);
    }

    public static boolean isValid(String id) { return id != null && VALID.matcher(id).matches(); }

    /**
     * Accepts E2B's legacy {@code <sandboxID>-<clientID>} form and returns the sandbox part,
     * or throws 400 "Invalid sandbox ID" as E2B does.
     */
    public static String parse(String raw) {
        String id = raw == null ? "" : raw;
        int dash = id.indexOf('-');
        if (dash >= 0) id = id.substring(0, dash);
        if (!isValid(id)) throw new CoveException(400, "invalid_sandbox_id", "Invalid sandbox ID");
        return id;
    }
}
