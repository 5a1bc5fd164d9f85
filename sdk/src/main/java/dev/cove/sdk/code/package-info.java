/**
 * The code interpreter: {@code runCode} in a sandbox made from {@code code-interpreter-v1}, E2B's execution API on port
 * 49999 ({@link dev.cove.sdk.code.CodeInterpreter}) and what it returns ({@link dev.cove.sdk.code.Execution} with its
 * {@link dev.cove.sdk.code.Result}s, {@link dev.cove.sdk.code.Chart}s and {@link dev.cove.sdk.code.ExecutionError}),
 * the same shapes as {@code @e2b/code-interpreter}. Talks to the sandbox only through the edge; knows nothing of the
 * control plane beyond the sandbox's id, domain and tokens.
 */
package dev.cove.sdk.code;
