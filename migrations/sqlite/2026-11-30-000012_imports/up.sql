-- CSV import jobs (issue 4): SQLite twin of migrations/postgres (uuid and
-- jsonb as text, booleans as integers).
CREATE TABLE imports (
    id text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    entity text NOT NULL,
    file_name text NOT NULL,
    file_size integer NOT NULL,
    encoding text NOT NULL,
    delimiter text NOT NULL,
    header text NOT NULL,
    sample text NOT NULL,
    mapping text NULL,
    mode text NOT NULL,
    status text NOT NULL,
    dry_run integer NOT NULL,
    rows_read integer NOT NULL DEFAULT 0,
    bytes_read integer NOT NULL DEFAULT 0,
    created_count integer NOT NULL DEFAULT 0,
    updated_count integer NOT NULL DEFAULT 0,
    unchanged_count integer NOT NULL DEFAULT 0,
    failed_count integer NOT NULL DEFAULT 0,
    failure text NULL,
    created_by text NOT NULL,
    role_id text NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    started_at timestamp NULL,
    finished_at timestamp NULL
);
CREATE INDEX imports_workspace_idx ON imports (workspace_id, id);
-- Jobs a restarted server picks up again.
CREATE INDEX imports_active_idx ON imports (status) WHERE status IN ('checking', 'running');

-- One row per refused CSV row: the field errors and the row's cells, for the error file.
CREATE TABLE import_errors (
    workspace_id text NOT NULL,
    import_id text NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_number integer NOT NULL,
    errors text NOT NULL,
    cells text NOT NULL,
    PRIMARY KEY (workspace_id, import_id, row_number)
);
CREATE INDEX import_errors_import_idx ON import_errors (import_id);
