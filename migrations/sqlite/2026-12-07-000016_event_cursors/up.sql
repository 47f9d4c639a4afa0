-- SQLite twin of migrations/postgres (uuid as text).
-- Issue 15, events: each change-log consumer's position per workspace.
CREATE TABLE event_cursors (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    consumer text NOT NULL,
    position bigint NOT NULL DEFAULT 0,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT event_cursors_consumer_key UNIQUE (workspace_id, consumer)
);
