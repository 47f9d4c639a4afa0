-- Workspace backups an admin starts over the API (issue 13): the run's
-- state, the archive's size and its row counts per table. The archive
-- itself is a file on the server (beside the import files).
CREATE TABLE backups (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    status text NOT NULL,
    size_bytes bigint NULL,
    row_counts jsonb NOT NULL,
    rows_done bigint NOT NULL DEFAULT 0,
    rows_total bigint NOT NULL DEFAULT 0,
    failure text NULL,
    created_by uuid NOT NULL,
    created_at timestamp NOT NULL,
    started_at timestamp NULL,
    finished_at timestamp NULL,
    PRIMARY KEY (workspace_id, id)
);
-- Runs a restarted server marks failed.
CREATE INDEX backups_active_idx ON backups (status) WHERE status IN ('queued', 'running');
