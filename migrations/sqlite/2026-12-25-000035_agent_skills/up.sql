-- SQLite twin of migrations/postgres (JSON as text).
-- Issue 17: skill-based assignment. An agent's skills are ticket type keys
-- of the workspace (a JSON array); the skill_based method gives a ticket
-- only to an agent with its type as a skill.
ALTER TABLE service_agents ADD COLUMN skills text NOT NULL DEFAULT '[]';
