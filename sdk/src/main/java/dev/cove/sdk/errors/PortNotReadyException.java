package dev.cove.sdk.errors;

import dev.cove.sdk.Sandbox;

import java.util.List;
import java.util.Locale;

/**
 * {@link Sandbox#expose} refused to hand out a URL because the port was not ready when its readiness check ran out
 * of time (HTTP 409). The port is not exposed. {@link #reason()} says why, and the accessors carry the details of
 * that reason (null where they do not apply):
 * <ul>
 *   <li>{@link Reason#PORT_NOT_LISTENING}: nothing listens on it; {@link #listening()} lists the ports that do;</li>
 *   <li>{@link Reason#PORT_UNREACHABLE}: it is bound only where the edge cannot reach ({@link #address()}); bind to
 *       {@code 0.0.0.0}, {@code ::} or loopback;</li>
 *   <li>{@link Reason#UNEXPECTED_STATUS}: the HTTP check answered {@link #answeredStatus()}, not
 *       {@link #expectedStatus()};</li>
 *   <li>{@link Reason#PROCESS_EXITED}: the serving process ({@link #pid()}) ended: {@link #exitCode()}, and how in
 *       the server's words, {@link #processStatus()} ({@code exit status 3}, {@code signal: killed}).</li>
 * </ul>
 */
public class PortNotReadyException extends ConflictException {
    private static final long serialVersionUID = 1L;

    /** Why a port was not ready; {@link #wire()} is the server's {@code error_code}. */
    public enum Reason {
        PORT_NOT_LISTENING, PORT_UNREACHABLE, UNEXPECTED_STATUS, PROCESS_EXITED;

        public String wire() { return name().toLowerCase(Locale.ROOT); }

        /** The reason for an {@code error_code}, or null when it is none of these. */
        public static Reason of(String code) {
            if (code == null) return null;
            for (Reason r : values()) if (r.wire().equals(code)) return r;
            return null;
        }
    }

    private final Reason reason;
    private final List<Integer> listening;
    private final String address;
    private final Integer answeredStatus;
    private final Integer expectedStatus;
    private final Integer pid;
    private final Integer exitCode;
    private final String processStatus;

    public PortNotReadyException(int status, Reason reason, String message, List<Integer> listening, String address,
                                 Integer answeredStatus, Integer expectedStatus, Integer pid, Integer exitCode,
                                 String processStatus) {
        super(status, reason.wire(), message);
        this.reason = reason;
        this.listening = listening == null ? List.of() : List.copyOf(listening);
        this.address = address;
        this.answeredStatus = answeredStatus;
        this.expectedStatus = expectedStatus;
        this.pid = pid;
        this.exitCode = exitCode;
        this.processStatus = processStatus;
    }

    public Reason reason() { return reason; }

    /** For {@code port_not_listening}: the ports something does listen on (maybe empty). */
    public List<Integer> listening() { return listening; }

    /** For {@code port_unreachable}: the address the port is bound to. */
    public String address() { return address; }

    /** For {@code unexpected_status}: the status the HTTP check got. */
    public Integer answeredStatus() { return answeredStatus; }

    /** For {@code unexpected_status}: the status it expected (null: any below 500). */
    public Integer expectedStatus() { return expectedStatus; }

    /** For {@code process_exited}: the pid given to expose. */
    public Integer pid() { return pid; }

    /** For {@code process_exited}: its exit code, if it exited (null when a signal ended it, or unknown). */
    public Integer exitCode() { return exitCode; }

    /** For {@code process_exited}: how it ended, in the server's words ({@code exit status 3}), or null. */
    public String processStatus() { return processStatus; }
}
