/**
 * Who may reach a sandbox port and what its app may do in a browser: the per-request access check
 * ({@link dev.cove.edge.security.PortAccessCheck}), the cross-site guard for cookie-only writes, and the filter that
 * keeps a sandbox app's cookies on its own host. Pure checks and one upstream handler; nothing here routes or dials.
 */
package dev.cove.edge.security;
