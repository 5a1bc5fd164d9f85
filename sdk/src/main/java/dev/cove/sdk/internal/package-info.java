/** Wire details of the SDK (HTTP, Connect framing, errors, TLS trust). Not API, even where public. */
package dev.cove.sdk.internal;
