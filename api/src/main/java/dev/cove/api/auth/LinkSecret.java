package dev.cove.api.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The secret share links are signed with: 32 random bytes in {@code <dataDir>/link-secret} (owner-only), made on
 * first start and kept, so links survive restarts. Deleting the file invalidates every link ever issued.
 */
public final class LinkSecret {
    static final String FILE = "link-secret";
    private static final int BYTES = 32;

    private LinkSecret() {}

    public static byte[] loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                byte[] secret = Files.readAllBytes(file);
                if (secret.length >= BYTES) return secret;
                throw new IllegalStateException(file + " is shorter than " + BYTES + " bytes; delete it to make a new "
                        + "one (every share link issued so far stops working)");
            }
            byte[] secret = new byte[BYTES];
            new SecureRandom().nextBytes(secret);
            Path tmp = Files.createTempFile(dataDir, FILE, ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, secret);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                Files.deleteIfExists(tmp);
                return Files.readAllBytes(file);
            }
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the share-link secret " + file, e);
        }
    }
}
