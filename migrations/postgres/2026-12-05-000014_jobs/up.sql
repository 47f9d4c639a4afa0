-- Durable background jobs (issue 15): import runs, backups, model fits.
-- A job is enqueued in the transaction of the write that needs it, claimed
-- by one worker under a lease (`locked_until`) that the worker extends while
-- it runs; a running job whose lease ran out is claimable again. Failures
-- go back to `queued` with a later `run_at` until `max_attempts`, then `dead`.
-- Key and indexes lead with workspace_id (DESIGN §2), except the two claim
-- indexes, which the workers read across workspaces.
CREATE TABLE jobs (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    -- At most one queued or running job per (workspace, kind, unique_key).
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
