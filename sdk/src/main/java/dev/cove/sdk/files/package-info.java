/**
 * A sandbox's files: {@link dev.cove.sdk.files.Filesystem} (reached through {@code sandbox.files()}) and what it
 * returns (entries, write results, watch events and handles). Paths are the sandbox's; this package goes through the
 * agent API only ({@code internal.Envd}) and never through the control plane's REST API.
 */
package dev.cove.sdk.files;
