ALTER TABLE pipeline_stages DROP COLUMN retired_at;
