/**
 * The Cove Java SDK: create sandboxes, run commands, move files and reach ports. Start with
 * {@link dev.cove.sdk.Sandbox}; configuration comes from {@link dev.cove.sdk.CoveConfig}. Java 17+, and only the
 * JDK's HTTP client and Jackson underneath. This package holds the entry types (sandboxes and their listing, commands
 * and terminals, port access policies, API keys, audit events); files, ports and exceptions have their own
 * sub-packages ({@code files}, {@code ports}, {@code errors}) and the wire plumbing is {@code internal}, which is not
 * API.
 */
package dev.cove.sdk;
