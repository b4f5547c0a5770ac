-- The run lock names its holder's process beyond the pid: the boot it ran
-- in and when it started, so that a pid reused after a restart (or by
-- another process) does not keep a dead run's lock (issue 11 §2). Empty
-- where the platform cannot tell, and in locks written before: then the
-- pid alone decides, as before.
ALTER TABLE run_lock ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';
ALTER TABLE run_lock ADD COLUMN pid_start TEXT NOT NULL DEFAULT '';
