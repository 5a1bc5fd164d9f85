package dev.cove.server;

import dev.cove.api.store.ClusterStore;
import dev.cove.edge.tls.TlsMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;

/**
 * One TLS authority for a whole cluster, kept in the catalog: the first node to start offers its local CA, and
 * every node puts the stored one in {@code <dataDir>/tls} before its edge starts (the edge then re-issues its server
 * certificate under it). So one {@code ca.crt} lets a client reach any node.
 */
final class ClusterTls {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterTls.class);

    private ClusterTls() {}

    static void share(ClusterStore rows, Path tlsDir, String domain) throws IOException {
        Optional<ClusterStore.Authority> stored = rows.authority();
        if (stored.isEmpty()) {
            TlsMaterial.loadOrCreate(tlsDir, domain); // this node's CA (made now if it has none) is the offer
            rows.offerAuthority(new ClusterStore.Authority(Files.readString(tlsDir.resolve(TlsMaterial.CA_CERT)),
                    Files.readString(tlsDir.resolve(TlsMaterial.CA_KEY))), Instant.now());
            stored = rows.authority(); // whoever offered first
        }
        ClusterStore.Authority ca = stored.orElseThrow();
        Path cert = tlsDir.resolve(TlsMaterial.CA_CERT);
        if (Files.exists(cert) && Files.readString(cert).equals(ca.certificatePem())) return;
        Files.createDirectories(tlsDir);
        // key first, as TlsMaterial does: a crash in between leaves no certificate without its key
        write(tlsDir.resolve(TlsMaterial.CA_KEY), ca.privateKeyPem(), "rw-------");
        write(cert, ca.certificatePem(), "rw-r--r--");
        LOG.info("Using the cluster's TLS authority ({}): clients trust one ca.crt for every node", cert);
    }

    private static void write(Path file, String content, String permissions) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
