/**
 * Domain types every module shares, without frameworks: {@link dev.cove.core.CoveException} (an error a user can act
 * on) and {@link dev.cove.core.SandboxId}. Must not depend on any other Cove module nor on a server library.
 */
package dev.cove.core;
