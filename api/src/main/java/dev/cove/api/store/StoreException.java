package dev.cove.api.store;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * The store could not do what was asked (I/O, constraint, driver). Answered as a 500 by the API, or as a 503 when
 * the database could not be reached at all ({@link #unavailable()}: a cluster's PostgreSQL down or restarting).
 */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) { super(message, cause); }

    public StoreException(String message) { super(message); }

    /**
     * Whether the database was unreachable (no connection within the pool's timeout, connection refused or cut,
     * server shutting down) rather than refusing the statement: the same call may work once it is back.
     */
    public boolean unavailable() {
        for (Throwable t = getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException) return true;
            if (t instanceof SQLException s && s.getSQLState() != null
                    && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }
}
