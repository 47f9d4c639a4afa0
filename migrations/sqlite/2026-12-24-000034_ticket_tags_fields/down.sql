DROP TABLE ticket_tags;
ALTER TABLE tickets DROP COLUMN custom_fields;
