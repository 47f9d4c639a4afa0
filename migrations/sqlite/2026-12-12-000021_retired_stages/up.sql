-- Issue 16, pipeline editor: an administrator retires a stage that no live
-- deal is on. The row stays (stage history and deleted deals point at it)
-- but it leaves the board, the forecast's stage list and deal placement.
ALTER TABLE pipeline_stages ADD COLUMN retired_at timestamp NULL;
