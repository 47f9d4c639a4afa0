-- SQLite twin of migrations/postgres (uuid and jsonb as text).
-- Durable background jobs (issue 15).
CREATE TABLE jobs (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    kind text NOT NULL,
    payload text NOT NULL,
    unique_key text NULL,
    status text NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    run_at timestamp NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL,
    locked_by text NULL,
    locked_until timestamp NULL,
    last_error text NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    finished_at timestamp NULL,
    PRIMARY KEY (workspace_id, id),
    CHECK (status IN ('queued', 'running', 'done', 'dead', 'cancelled'))
);
CREATE INDEX jobs_queued_idx ON jobs (priority DESC, run_at) WHERE status = 'queued';
CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE status = 'running';
CREATE INDEX jobs_list_idx ON jobs (workspace_id, status, id);
CREATE UNIQUE INDEX jobs_unique_key_idx ON jobs (workspace_id, kind, unique_key)
    WHERE unique_key IS NOT NULL AND status IN ('queued', 'running');
