DROP INDEX activities_occurred_idx;
DROP INDEX deals_closed_idx;
DROP INDEX deal_stage_changes_at_idx;
