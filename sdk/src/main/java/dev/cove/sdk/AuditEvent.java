package dev.cove.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.internal.Json;

import java.time.Instant;

/**
 * One entry of a sandbox's port audit log ({@link Sandbox#audit()}): who exposed, unexposed, shared or revoked what,
 * and who came in through the edge. {@code access} events are counted per port, credential kind, source address and
 * status over one minute ({@link #at()} is that minute).
 *
 * @param at     when (for {@code access}: the minute)
 * @param kind   {@code expose}, {@code unexpose}, {@code link_created}, {@code link_revoked} or {@code access}
 * @param port   the port, or null
 * @param linkId the link concerned, or null
 * @param source the API client's address or the request's source
 * @param access for {@code access} events, the credential kind: {@code public}, {@code token} or {@code link}
 * @param count  for {@code access} events, how many requests in that minute (1 otherwise)
 * @param status for {@code access} events, the HTTP status answered, or null
 */
public record AuditEvent(Instant at, String kind, Integer port, String linkId, String source, String access,
                         int count, Integer status) {

    static AuditEvent of(JsonNode n) {
        return new AuditEvent(Json.instant(n, "at"), Json.text(n, "kind"), Json.optionalInteger(n, "port"),
                Json.text(n, "linkId"), Json.text(n, "source"), Json.text(n, "access"), Json.integer(n, "count", 1),
                Json.optionalInteger(n, "status"));
    }
}
