-- SQLite twin of migrations/postgres: nothing to change, FTS5 has no pending list.
SELECT 1;
