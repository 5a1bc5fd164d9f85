package dev.cove.core.routing;

/**
 * Where the edge reports who reached an exposed port. Implementations must not block (the edge calls it on event
 * loops): they count in memory and persist elsewhere.
 */
public interface PortAccessAudit {
    /**
     * One request to a sandbox port was answered.
     *
     * @param via    {@code public}, {@code token} or {@code link}
     * @param linkId the share link used, or null
     * @param source the client's address
     * @param status the status answered
     */
    void accessed(String sandboxId, int port, String via, String linkId, String source, int status);

    PortAccessAudit NONE = (sandboxId, port, via, linkId, source, status) -> { };
}
