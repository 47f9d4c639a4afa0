-- SQLite twin of migrations/postgres (uuid and jsonb as text).
-- Workspace backups an admin starts over the API (issue 13).
CREATE TABLE backups (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    status text NOT NULL,
    size_bytes bigint NULL,
    row_counts text NOT NULL,
    rows_done bigint NOT NULL DEFAULT 0,
    rows_total bigint NOT NULL DEFAULT 0,
    failure text NULL,
    created_by text NOT NULL,
    created_at timestamp NOT NULL,
    started_at timestamp NULL,
    finished_at timestamp NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX backups_active_idx ON backups (status) WHERE status IN ('queued', 'running');
