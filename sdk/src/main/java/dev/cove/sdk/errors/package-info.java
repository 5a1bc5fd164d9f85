/**
 * The SDK's exceptions: {@link dev.cove.sdk.errors.CoveException}, carrying the server's status, code and sentence,
 * and one subclass per case a caller handles differently (not found, ended sandbox, conflict, rate limit, timeout, a
 * port that did not become ready, a command that exited non-zero). Mapping wire errors onto them is
 * {@code internal.Errors}'s; these classes only carry what was said and never talk to the server.
 */
package dev.cove.sdk.errors;
