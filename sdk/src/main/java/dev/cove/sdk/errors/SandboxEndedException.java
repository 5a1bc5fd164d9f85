package dev.cove.sdk.errors;

/**
 * The sandbox existed but has ended (killed, or its timeout passed), so its agent API and its ports are gone.
 * The edge answers 410 {@code sandbox_ended} for a sandbox port of an ended sandbox; the agent API answers 502
 * "The sandbox was not found" (E2B's contract) once the sandbox is gone. Extends {@link NotFoundException} because,
 * as far as a caller's retry logic goes, the sandbox is not there any more.
 */
public class SandboxEndedException extends NotFoundException {
    private static final long serialVersionUID = 1L;

    public SandboxEndedException(int status, String code, String message) { super(status, code, message); }
}
