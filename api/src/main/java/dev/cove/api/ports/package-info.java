/**
 * Cove's ports API ({@code docs/ports.md}): what listens in a sandbox, exposing a port with a readiness check through
 * the edge ({@link dev.cove.api.ports.EdgeProbe}), share links and the port access audit trail, one handler per
 * endpoint registered by {@link dev.cove.api.ports.PortRoutes} over {@link dev.cove.api.ports.PortsService}. Changes
 * go through {@link dev.cove.api.lifecycle.SandboxService#changePortAccess}; must not touch the agent API's classes
 * (it asks {@link dev.cove.api.lifecycle.SandboxProcesses}).
 */
package dev.cove.api.ports;
