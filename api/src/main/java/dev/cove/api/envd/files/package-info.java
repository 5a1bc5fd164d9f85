/**
 * E2B's {@code GET|POST /files}: {@link dev.cove.api.envd.files.FileTransfers} checks the token or signed URL, then
 * downloads (content type, gzip, Range) or streams uploads (multipart or octet-stream) through
 * {@link dev.cove.core.runtime.SandboxFiles}, never the host's file system.
 */
package dev.cove.api.envd.files;
