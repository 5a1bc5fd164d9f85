/**
 * Runnable examples of the Java SDK ({@link dev.cove.examples.QuickStart}): what a user's program looks like. They
 * use only the SDK's public API (never {@code dev.cove.sdk.internal}) and clean up the sandboxes they create.
 */
package dev.cove.examples;
