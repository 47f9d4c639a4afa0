-- Issue 15, events and audit: every change-log entry carries the channel it
-- came through (web, api_key, import, job, cli) and, for each changed field,
-- its value before and after ({"field": {"from": …, "to": …}}; sensitive
-- fields masked). Entries written before this migration have neither.
ALTER TABLE change_log ADD COLUMN channel text NULL;
ALTER TABLE change_log ADD COLUMN change_values text NULL;
-- The audit view reads one record's history through change_log_entity_idx
-- (workspace_id, entity, entity_id), which the foundation created.
