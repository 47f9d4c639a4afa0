DROP INDEX tickets_queue_idx;
ALTER TABLE tickets DROP COLUMN assignment_rule;
DROP TABLE service_agents;
