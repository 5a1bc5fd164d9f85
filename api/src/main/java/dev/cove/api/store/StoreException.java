package dev.cove.api.store;

/** The store could not do what was asked (I/O, constraint, driver). Answered as a 500 by the API. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) { super(message, cause); }

    public StoreException(String message) { super(message); }
}
