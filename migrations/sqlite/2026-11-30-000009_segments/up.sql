-- Saved rule-based customer segments (issue 5): SQLite twin of migrations/postgres.
CREATE TABLE segments (
    id text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    description text NULL,
    rules text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_by text NULL,
    updated_by text NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    CONSTRAINT segments_name_key UNIQUE (workspace_id, name)
);
