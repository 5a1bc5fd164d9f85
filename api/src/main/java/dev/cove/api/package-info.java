/**
 * The control plane: E2B-compatible REST API on Helidon SE, API keys, sandbox lifecycle and store.
 * {@link dev.cove.api.ControlPlane} is what the server wires; {@link dev.cove.api.ApiConfig} its settings.
 */
package dev.cove.api;
