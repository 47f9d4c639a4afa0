-- SQLite twin of migrations/postgres (uuid as text, booleans as integers).
-- Issue 18, reports (报表): a saved report definition (object, groupings,
-- measure, conditions, period, chart) as JSON that crm_domain::reports
-- checks before every write. A report belongs to the user who saved it;
-- `shared` shows it to everyone in the workspace, who run it as themselves.
CREATE TABLE reports (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    name text NOT NULL,
    description text NULL,
    spec text NOT NULL,
    owner_id text NULL,
    shared boolean NOT NULL DEFAULT 0,
    version integer NOT NULL DEFAULT 1,
    created_by text NULL,
    updated_by text NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX reports_owner_idx ON reports (workspace_id, owner_id);
