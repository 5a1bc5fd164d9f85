/**
 * API keys (E2B format {@code e2b_<hex>}, stored as SHA-256, compared in constant time), the {@code X-API-KEY}
 * wrapper every REST route goes through, the {@code /api-keys} endpoints ({@link dev.cove.api.auth.KeyRoutes}) and
 * the share-link secret file. Must not touch sandboxes or the agent API.
 */
package dev.cove.api.auth;
