package dev.cove.runtime.egress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * libnftables in-process (what the {@code nft} command is built on), so a firewall change costs no fork and exec
 * of {@code nft}. Calls are serialized. {@link #load()} returns null where the library is missing; callers then run
 * {@code nft -f -}.
 */
final class NftLib {
    private static final Logger log = LoggerFactory.getLogger(NftLib.class);

    private final MethodHandle ctxNew;
    private final MethodHandle ctxFree;
    private final MethodHandle bufferOutput;
    private final MethodHandle bufferError;
    private final MethodHandle errorBuffer;
    private final MethodHandle outputBuffer;
    private final MethodHandle run;

    private NftLib(SymbolLookup lib) {
        Linker l = Linker.nativeLinker();
        ctxNew = l.downcallHandle(lib.find("nft_ctx_new").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
        ctxFree = l.downcallHandle(lib.find("nft_ctx_free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
        bufferOutput = l.downcallHandle(lib.find("nft_ctx_buffer_output").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        bufferError = l.downcallHandle(lib.find("nft_ctx_buffer_error").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        errorBuffer = l.downcallHandle(lib.find("nft_ctx_get_error_buffer").orElseThrow(), FunctionDescriptor.of(ADDRESS, ADDRESS));
        outputBuffer = l.downcallHandle(lib.find("nft_ctx_get_output_buffer").orElseThrow(), FunctionDescriptor.of(ADDRESS, ADDRESS));
        run = l.downcallHandle(lib.find("nft_run_cmd_from_buffer").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    static NftLib load() {
        try {
            return new NftLib(SymbolLookup.libraryLookup("libnftables.so.1", Arena.global()));
        } catch (RuntimeException e) {
            log.debug("libnftables not loadable ({}); using the nft command", e.toString());
            return null;
        }
    }

    /** Runs an nft script atomically; returns null on success, else nft's error text. */
    String apply(String script) { return run(script).error(); }

    /** What a command printed, or its error text. */
    record Result(String output, String error) {}

    /** Runs an nft script (atomically) or command and returns its output or error. */
    synchronized Result run(String script) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = (MemorySegment) ctxNew.invokeExact(0);
            if (ctx.address() == 0) return new Result(null, "nft_ctx_new failed");
            try {
                int ignored = (int) bufferOutput.invokeExact(ctx);
                ignored = (int) bufferError.invokeExact(ctx);
                int rc = (int) run.invokeExact(ctx, arena.allocateFrom(script));
                if (rc == 0) {
                    MemorySegment out = (MemorySegment) outputBuffer.invokeExact(ctx);
                    return new Result(out.address() == 0 ? "" : out.reinterpret(Long.MAX_VALUE).getString(0), null);
                }
                MemorySegment err = (MemorySegment) errorBuffer.invokeExact(ctx);
                String text = err.address() == 0 ? "" : err.reinterpret(Long.MAX_VALUE).getString(0);
                return new Result(null, text.isBlank() ? "nft failed (" + rc + ")" : text.strip());
            } finally {
                ctxFree.invokeExact(ctx);
            }
        } catch (Throwable t) {
            return new Result(null, "libnftables: " + t);
        }
    }
}
