-- speedscope.sql: `mtan export --as speedscope` (analyze/speedscope.c). The bytes per stack
-- are flame.sql's (leaked, peak); here a stack's frames with their files and lines.
-- name: frames
-- a stack's frames, outermost first (speedscope's order), inlined calls as frames
SELECT function, module, offset, address, file, line FROM stack_symbols WHERE stack_id = :stack
ORDER BY level DESC;
