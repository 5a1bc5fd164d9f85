/**
 * One handler per E2B sandbox endpoint (as E2B's {@code packages/api/internal/handlers}), each with its test
 * beside it, plus the shared request parser and response views.
 */
package dev.cove.api.sandboxes;
