-- indexes.sql: built after the bulk insert (cheaper than keeping them up to date row by
-- row). The partial indexes of lifetimes are in schema.sql: they hold few rows, so keeping
-- them during the insert costs less than the full scan a later CREATE INDEX makes.
CREATE INDEX anomalies_kind ON anomalies(kind, pid);
CREATE INDEX frames_pid_address ON frames(pid, address);
CREATE INDEX timeline_scope ON timeline(device, space, pid, seq);
CREATE INDEX mark_live_scope ON mark_live(device, space, pid, seq);
CREATE INDEX marks_seq ON marks(seq);
CREATE INDEX rss_pid_time ON rss(pid, time_ns);
CREATE INDEX stacks_canonical ON stacks(canonical);
