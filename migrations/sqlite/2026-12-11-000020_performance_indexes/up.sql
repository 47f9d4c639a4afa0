-- Rep performance reads a period's stage changes, closed deals and logged activities by time.
CREATE INDEX deal_stage_changes_at_idx ON deal_stage_changes (workspace_id, at);
CREATE INDEX deals_closed_idx ON deals (workspace_id, closed_at) WHERE deleted_at IS NULL AND closed_at IS NOT NULL;
CREATE INDEX activities_occurred_idx ON activities (workspace_id, occurred_at) WHERE deleted_at IS NULL;
