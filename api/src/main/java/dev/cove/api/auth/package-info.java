/** API keys (E2B format {@code e2b_<hex>}, stored as SHA-256, compared in constant time) and the auth wrapper. */
package dev.cove.api.auth;
