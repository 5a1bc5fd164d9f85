package dev.cove.api.ports;

import dev.cove.core.routing.CoveHeaders;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Asks a sandbox port through the edge, as a client outside would: one HTTP/1.1 request to the edge's own listener
 * with the port's public Host, reading the status and whether the edge answered itself ({@code X-Cove-Error}). A raw
 * socket, because the JDK client will not send a Host of our choosing.
 */
public final class EdgeProbe {
    private static final int MAX_HEAD = 64 * 1024;

    /** The outcome: the status, and the edge's code when the edge answered instead of the server in the sandbox. */
    public record Result(int status, String edgeCode) {
        public boolean fromSandbox() { return edgeCode == null; }
    }

    private final InetSocketAddress edge;
    private final SSLContext tls;

    /**
     * @param edge  a listener of the edge (plain HTTP, or TLS when {@code caCert} is given)
     * @param caCert the edge's CA certificate for a TLS listener, or null for plain HTTP
     */
    public EdgeProbe(InetSocketAddress edge, Path caCert) {
        this.edge = edge;
        this.tls = caCert == null ? null : trusting(caCert);
    }

    public Result get(String host, String path, Map<String, String> headers, Duration timeout) throws IOException {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = connect(host, millis)) {
            socket.setSoTimeout(millis);
            StringBuilder req = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host)
                    .append("\r\nUser-Agent: cove-expose-check\r\nAccept: */*\r\nConnection: close\r\n");
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            req.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return readHead(new BufferedInputStream(socket.getInputStream()));
        }
    }

    private Socket connect(String host, int millis) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(edge, millis);
            if (tls == null) return plain;
            String name = host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, name, edge.getPort(), true);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setServerNames(List.of(new SNIHostName(name)));
            p.setApplicationProtocols(new String[]{"http/1.1"});
            s.setSSLParameters(p);
            s.startHandshake();
            return s;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    private static Result readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) throw new IOException("the edge closed the connection before answering");
            head.write(b);
            if (head.size() > MAX_HEAD) throw new IOException("the answer's header is larger than " + MAX_HEAD + " bytes");
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) throw new IOException("not an HTTP answer");
        int status = Integer.parseInt(statusLine[1]);
        String edgeCode = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).strip().equalsIgnoreCase(CoveHeaders.EDGE_ERROR)) {
                edgeCode = lines[i].substring(colon + 1).strip();
            }
        }
        return new Result(status, edgeCode);
    }

    private static SSLContext trusting(Path caCert) {
        try (InputStream in = Files.newInputStream(caCert)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("cove-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the edge's CA certificate " + caCert + ": " + e.getMessage(), e);
        }
    }
}
