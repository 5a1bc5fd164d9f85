/** HTTP plumbing shared by the handlers: strict JSON bodies, E2B error bodies, error mapping. */
package dev.cove.api.http;
