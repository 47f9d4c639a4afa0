ALTER TABLE service_agents DROP COLUMN skills;
