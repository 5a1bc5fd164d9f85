/**
 * Templates: {@link dev.cove.sdk.templates.Template}, a builder mirroring E2B's JavaScript one (the same steps on
 * the wire), {@link dev.cove.sdk.templates.ReadyCmd} (E2B's ready checks), and
 * {@link dev.cove.sdk.templates.Templates}: build (uploading {@code copy} contexts, following the logs), list, delete.
 */
package dev.cove.sdk.templates;
