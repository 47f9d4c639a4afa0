-- Issue 18, reports (报表): a saved report definition (object, groupings,
-- measure, conditions, period, chart) as JSON that crm_domain::reports
-- checks before every write. A report belongs to the user who saved it;
-- `shared` shows it to everyone in the workspace, who run it as themselves.
CREATE TABLE reports (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    name text NOT NULL,
    description text NULL,
    spec jsonb NOT NULL,
    owner_id uuid NULL,
    shared boolean NOT NULL DEFAULT false,
    version integer NOT NULL DEFAULT 1,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX reports_owner_idx ON reports (workspace_id, owner_id);
