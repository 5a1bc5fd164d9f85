/**
 * How a sandbox pauses and resumes: the cgroup freezer keeps its memory ({@link dev.cove.runtime.pause.FreezerPause}),
 * a stop ends its container and keeps its files, addresses and namespace ({@link dev.cove.runtime.pause.StopPause}),
 * and {@code pause.json} records which for a restart ({@link dev.cove.runtime.pause.PauseRecord}). The strategies act
 * on one sandbox; the order of locks, gates and process starts around them is the runtime facade's. Must not free
 * a sandbox's slot, disk or journal.
 */
package dev.cove.runtime.pause;
