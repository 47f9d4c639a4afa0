ALTER TABLE activities DROP COLUMN priority;
ALTER TABLE activities DROP COLUMN remind_at;
ALTER TABLE activities DROP COLUMN next_step;
ALTER TABLE activities DROP COLUMN outcome;
ALTER TABLE activities DROP COLUMN location;
