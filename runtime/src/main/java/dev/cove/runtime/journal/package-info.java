/**
 * The crash journal ({@link dev.cove.runtime.journal.SandboxJournal}, {@code runtime.json}): every host resource a
 * sandbox owns, written before any of them is made, so that teardown and recovery free the same things whatever
 * state a crash left. A record and its file only: must not make or free anything.
 */
package dev.cove.runtime.journal;
