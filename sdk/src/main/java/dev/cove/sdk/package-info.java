/**
 * The Cove Java SDK: create sandboxes, run commands, move files and reach ports. Start with
 * {@link dev.cove.sdk.Sandbox}; configuration comes from {@link dev.cove.sdk.CoveConfig}. Java 17+, and only the
 * JDK's HTTP client and Jackson underneath.
 */
package dev.cove.sdk;
