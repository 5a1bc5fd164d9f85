/**
 * HTTP plumbing shared by the REST handlers: wire rules, strict JSON bodies, paged lists' limit, E2B error bodies,
 * Cove's typed errors, error mapping, gzip pass-through. Knows no feature: must not touch sandboxes, ports, keys or the store.
 */
package dev.cove.api.http;
