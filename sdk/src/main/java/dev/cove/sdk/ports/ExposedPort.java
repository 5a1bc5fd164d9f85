package dev.cove.sdk.ports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.Access;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.internal.Json;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A sandbox port with a URL handed out by {@link Sandbox#expose}, or listed by {@link Ports#exposed()}.
 * <p>
 * The URL is ephemeral and honest: it works only while the sandbox lives and at most until {@link #expiresAt()};
 * after the sandbox's end it answers {@code 410 sandbox_ended}, after the exposure window {@code 403
 * exposure_expired}. It is public only if its {@link #policy()} is {@link Access#PUBLIC}; otherwise every request
 * needs a credential: {@link #token()} (as header {@code e2b-traffic-access-token}, or {@code Authorization: Bearer})
 * or a share link ({@link #link()}, {@link #share(Duration)}).
 */
public final class ExposedPort {
    private final Ports ports;
    private final int port;
    private final Access policy;
    private final String url;
    private final String state;
    private final Instant exposedUntil;
    private final Instant expiresAt;
    private final String token;
    private final ShareLink link;
    private final List<ShareLink> links;

    private ExposedPort(Ports ports, int port, Access policy, String url, String state, Instant exposedUntil,
                        Instant expiresAt, String token, ShareLink link, List<ShareLink> links) {
        this.ports = ports;
        this.port = port;
        this.policy = policy;
        this.url = url;
        this.state = state;
        this.exposedUntil = exposedUntil;
        this.expiresAt = expiresAt;
        this.token = token;
        this.link = link;
        this.links = links;
    }

    /** From an entry of {@code GET /sandboxes/{id}/ports} ({@code exposed[]}) or an expose answer. */
    static ExposedPort of(Ports ports, JsonNode n) {
        int port = Json.integer(n, "port", 0);
        JsonNode l = n.get("link");
        ShareLink link = l != null && l.isObject() ? ShareLink.of(l, port) : null;
        List<ShareLink> links = new ArrayList<>();
        JsonNode ls = n.get("links");
        if (ls != null && ls.isArray()) ls.forEach(x -> links.add(ShareLink.of(x, port)));
        if (link != null && links.stream().noneMatch(x -> x.id() != null && x.id().equals(link.id()))) links.add(0, link);
        String state = Json.text(n, "state");
        return new ExposedPort(ports, port, Access.fromServer(Json.text(n, "access")), Json.text(n, "url"),
                state != null ? state : "open", Json.instant(n, "exposedUntil"), Json.instant(n, "expiresAt"),
                Json.text(n, "token"), link, Collections.unmodifiableList(links));
    }

    public int port() { return port; }

    /** Who gets through: private, link or public (null if the server named a policy this SDK does not know). */
    public Access policy() { return policy; }

    /** {@code https://<port>-<sandbox id>.<domain>/}; needs a credential unless the policy is public. */
    public String url() { return url; }

    /** {@code open}, {@code expired} (the exposure window is over) or {@code closed} (unexposed). */
    public String state() { return state; }

    /** True while the URL answers (state {@code open}). */
    public boolean isOpen() { return "open".equals(state); }

    /** The end of the exposure window, or null when it lasts as long as the sandbox. */
    public Instant exposedUntil() { return exposedUntil; }

    /** When the URL stops working at the latest: the window's end or the sandbox's end, whichever comes first. */
    public Instant expiresAt() { return expiresAt; }

    /**
     * The sandbox's traffic access token, which opens every non-public port of the sandbox (header
     * {@code e2b-traffic-access-token} or {@code Authorization: Bearer}); null for public ports and in listings.
     * A secret: hand out a share link instead.
     */
    public String token() { return token; }

    /** The share link created together with this exposure (access {@code link}, or a link was asked for), or null. */
    public ShareLink link() { return link; }

    /** Share links of this port: in a listing every link (without tokens); from expose the one it created. */
    public List<ShareLink> links() { return links; }

    /** A new share link of this port that expires after {@code ttl} (never after the sandbox's end). */
    public ShareLink share(Duration ttl) { return ports.share(port, ttl); }

    /** A new share link of this port that lives as long as the sandbox. */
    public ShareLink share() { return ports.share(port); }

    /** Closes this port's URL now (its links stop with it). */
    public void unexpose() { ports.unexpose(port); }

    /** Without credentials. */
    @Override
    public String toString() {
        return "ExposedPort{" + port + " " + policy + " " + state + " " + url + ", expiresAt " + expiresAt
                + ", links " + links.size() + "}";
    }
}
