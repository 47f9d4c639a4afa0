DROP INDEX change_log_entity_idx;
ALTER TABLE change_log DROP COLUMN change_values;
ALTER TABLE change_log DROP COLUMN channel;
