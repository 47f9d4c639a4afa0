-- SQLite twin of migrations/postgres (uuid as text, booleans as integers).
-- Issue 18, scheduled delivery (定时发送): a saved report or dashboard
-- e-mailed to workspace users on a schedule (JSON that
-- crm_domain::deliveries checks), each recipient getting the rows they
-- may read. `next_run_at` (UTC) is when the queued `delivery.run` job
-- fires; the job sends one `delivery.send` job per recipient.
CREATE TABLE deliveries (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    name text NOT NULL,
    report_id text NULL,
    dashboard_id text NULL,
    schedule text NOT NULL,
    format text NOT NULL,
    recipients text NOT NULL DEFAULT '[]',
    active boolean NOT NULL DEFAULT 1,
    next_run_at timestamp NULL,
    last_run_at timestamp NULL,
    owner_id text NULL,
    version integer NOT NULL DEFAULT 1,
    created_by text NULL,
    updated_by text NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id),
    CHECK ((report_id IS NULL) <> (dashboard_id IS NULL))
);
CREATE INDEX deliveries_owner_idx ON deliveries (workspace_id, owner_id);
