-- CSV import jobs (issue 4): the uploaded file's header and sample, the
-- column mapping, the state of the pass in progress, and its counters. Each
-- batch of rows commits its writes, its row errors and these counters in one
-- transaction, so a job resumes exactly where it stopped.
CREATE TABLE imports (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    entity text NOT NULL,
    file_name text NOT NULL,
    file_size bigint NOT NULL,
    encoding text NOT NULL,
    delimiter text NOT NULL,
    header jsonb NOT NULL,
    sample jsonb NOT NULL,
    mapping jsonb NULL,
    mode text NOT NULL,
    status text NOT NULL,
    dry_run boolean NOT NULL,
    rows_read bigint NOT NULL DEFAULT 0,
    bytes_read bigint NOT NULL DEFAULT 0,
    created_count bigint NOT NULL DEFAULT 0,
    updated_count bigint NOT NULL DEFAULT 0,
    unchanged_count bigint NOT NULL DEFAULT 0,
    failed_count bigint NOT NULL DEFAULT 0,
    failure text NULL,
    created_by uuid NOT NULL,
    role_id uuid NULL,
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
    workspace_id uuid NOT NULL,
    import_id uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_number bigint NOT NULL,
    errors jsonb NOT NULL,
    cells jsonb NOT NULL,
    PRIMARY KEY (workspace_id, import_id, row_number)
);
CREATE INDEX import_errors_import_idx ON import_errors (import_id);
