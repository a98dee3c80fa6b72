-- indexes.sql: built after the bulk insert (cheaper than keeping them up to date row by
-- row). The leaks index is partial, so it costs only as much as there are leaks.
CREATE INDEX lifetimes_leaks ON lifetimes(pid, device, space, alloc_stack)
	WHERE end_reason IS NULL AND inherited = 0;
CREATE INDEX lifetimes_released ON lifetimes(pid, device, space, alloc_stack)
	WHERE end_reason = 'device_close';
CREATE INDEX anomalies_kind ON anomalies(kind, pid);
CREATE INDEX frames_pid_address ON frames(pid, address);
