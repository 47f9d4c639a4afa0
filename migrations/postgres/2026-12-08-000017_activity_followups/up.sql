-- Issue 16, follow-ups and tasks: a visit's place, what came of an
-- activity and what happens next, when to remind the assignee of a task,
-- and how urgent it is. Nullable or defaulted: rows written before keep
-- their meaning (priority 'normal').
ALTER TABLE activities ADD COLUMN location text;
ALTER TABLE activities ADD COLUMN outcome text;
ALTER TABLE activities ADD COLUMN next_step text;
ALTER TABLE activities ADD COLUMN remind_at timestamp;
ALTER TABLE activities ADD COLUMN priority text NOT NULL DEFAULT 'normal';
