ALTER TABLE change_log DROP COLUMN change_values;
ALTER TABLE change_log DROP COLUMN channel;
