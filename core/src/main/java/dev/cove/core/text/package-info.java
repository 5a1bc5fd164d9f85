/**
 * Text that crosses a trust border: what a sandbox controls (argv, file names, metadata) written for clients
 * (JSON answers, HTML pages, headers) without raw control characters a terminal or log viewer would obey.
 */
package dev.cove.core.text;
