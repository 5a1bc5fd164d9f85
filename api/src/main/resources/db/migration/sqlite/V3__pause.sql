-- Pause (issue 9). sandboxes.auto_pause / auto_resume hold E2B's autoPause / autoResume.enabled; this table holds
-- whether that pause keeps the memory, and, while a sandbox is paused, since when and how. The row goes with its
-- sandbox.
CREATE TABLE sandbox_pause (
    sandbox_id         TEXT    NOT NULL PRIMARY KEY REFERENCES sandboxes (id) ON DELETE CASCADE,
    auto_pause_memory  INTEGER NOT NULL DEFAULT 1,  -- E2B's autoPauseMemory (false: file system only)
    paused_at          INTEGER,                     -- NULL while not paused
    paused_with_memory INTEGER                      -- 1: processes frozen; 0: processes ended, file system kept
);
