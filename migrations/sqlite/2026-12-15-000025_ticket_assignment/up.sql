-- SQLite twin of migrations/postgres (uuid as text, booleans as integers).
-- Issue 17, automatic assignment (自动分配): each service agent's capacity
-- and availability, when they were last given a ticket (round-robin
-- order), and on each ticket the assignment rule that routed it.
CREATE TABLE service_agents (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id text NOT NULL,
    on_duty integer NOT NULL,
    capacity integer NOT NULL,
    last_assigned_at timestamp NULL,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, user_id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE,
    CHECK (capacity >= 0)
);
ALTER TABLE tickets ADD COLUMN assignment_rule text NULL;
-- The queue: a team's unassigned active tickets, oldest first.
CREATE INDEX tickets_queue_idx ON tickets (workspace_id, team_id, created_at)
    WHERE assignee_id IS NULL AND deleted_at IS NULL;
