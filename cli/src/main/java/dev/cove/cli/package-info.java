/**
 * The {@code cove} command line's client commands ({@link dev.cove.cli.CoveCli}): sandboxes, exec and shell, files,
 * ports, expose and share links, API keys and the CA, with exit codes scripts can rely on ({@link
 * dev.cove.cli.ExitCodes}) and output as tables or JSON ({@link dev.cove.cli.Output}). {@code cove up} and
 * {@code cove server} are the server module's.
 *
 * <p>Built only on the Java SDK ({@code dev.cove.sdk}), as any user's program would be: it never talks HTTP itself
 * beyond what the SDK offers, never depends on the server's modules, and never prints text a sandbox controls without
 * {@link dev.cove.cli.ControlCharacters}.
 */
package dev.cove.cli;
