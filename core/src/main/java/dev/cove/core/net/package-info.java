/**
 * Reading a network namespace's sockets from {@code /proc} ({@link dev.cove.core.net.SocketTable}) and IPv6 text
 * forms. Reads only: must not open sockets or change a namespace.
 */
package dev.cove.core.net;
