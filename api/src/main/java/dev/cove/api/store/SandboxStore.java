package dev.cove.api.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Durable catalog of sandboxes (including tombstones) and API key hashes: {@link JdbcSandboxStore}, on SQLite (the
 * embedded default) or on PostgreSQL, shared by the nodes of a cluster.
 * Every method is a single atomic statement; callers serialize work on one sandbox themselves.
 * Failures surface as {@link StoreException}.
 */
public interface SandboxStore extends AutoCloseable {

    /** Inserts a new row; throws {@link StoreException} if the id exists (tombstones included). */
    void insert(SandboxRecord sandbox);

    Optional<SandboxRecord> find(String id);

    /** Rows in any of the given states, in no particular order. */
    List<SandboxRecord> findByStates(Collection<SandboxState> states);

    /** The cluster node this store writes rows as, or null on a single host. */
    default String node() { return null; }

    /**
     * Rows in any of the given states that this node's runtime holds: all of {@link #findByStates} on a single host,
     * the node's own in a cluster (recovery re-adopts only those).
     */
    default List<SandboxRecord> findOwnByStates(Collection<SandboxState> states) { return findByStates(states); }

    /** {@code starting → running}: sets the real start and end. */
    void markRunning(String id, Instant startedAt, Instant endAt);

    /** Moves the end of a live sandbox. */
    void updateEndAt(String id, Instant endAt);

    /** How a paused sandbox is paused: since when, and whether its processes were kept (frozen). */
    record PauseInfo(Instant pausedAt, boolean withMemory) {}

    /** Records E2B's autoPauseMemory of a sandbox that pauses at its timeout. */
    void saveAutoPauseMemory(String id, boolean keepMemory);

    /** Whether the sandbox's automatic pause keeps its memory (true when never set). */
    boolean autoPauseMemory(String id);

    /** running → paused, in one transaction with its pause record; false when the row was not running. */
    boolean markPaused(String id, Instant at, boolean withMemory);

    /** How the sandbox is paused, or empty when it is not. */
    Optional<PauseInfo> pauseInfo(String id);

    /** paused → running with a new start and end, in one transaction (the pause record is cleared). */
    void markResumed(String id, Instant startedAt, Instant endAt);

    /** Sets the traffic access token of a sandbox that had none (a port became private). */
    void updateTrafficAccessToken(String id, String token);

    /** Replaces {@code allow_internet_access} and the network config of a sandbox (PUT network). */
    void updateNetwork(String id, Boolean allowInternetAccess, NetworkConfig network);

    /**
     * Ends a sandbox, leaving a tombstone: state {@code killed} or {@code expired}, when and why. Env vars and
     * tokens are erased (they may be secrets and nobody needs them any more).
     */
    void markEnded(String id, SandboxState endState, Instant endedAt, String reason);

    /** Deletes tombstones that ended before {@code cutoff}; returns their ids. */
    List<String> purgeEndedBefore(Instant cutoff);

    /** SHA-256 hex hashes of the accepted API keys. */
    List<String> apiKeyHashes();

    /**
     * An API key as listed: never the key, never its hash.
     *
     * @param source {@code bootstrap} for the server's own key (COVE_API_KEY or the api-key file), {@code api} for
     *               keys made through the API
     * @param masked the key's first 8 and last 4 characters, or null for keys stored before names existed
     */
    record ApiKeyRow(String id, String name, String source, String masked, Instant createdAt) {}

    List<ApiKeyRow> apiKeys();

    /** Stores a new key (its hash, never the key). */
    void insertApiKey(ApiKeyRow key, String hash);

    /** Deletes a key by id; false when there is none. */
    boolean deleteApiKey(String id);

    /**
     * Makes {@code hash} the only key of the given source (e.g. {@code bootstrap}: the key from the environment
     * or the key file), so changing that key revokes the previous one. Keys of other sources stay.
     */
    void replaceApiKeys(String source, String hash, Instant createdAt);

    @Override
    void close();
}
