-- Issue 18, dashboards (仪表盘): a grid of widgets (saved or standard
-- reports with a width and height) and the filters every widget starts
-- with, as JSON that crm_domain::dashboards checks before every write.
-- A dashboard belongs to the user who saved it; `shared` shows it to the
-- workspace; `default_roles` (role ids, set by an administrator) makes it
-- the home dashboard of those roles.
CREATE TABLE dashboards (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    name text NOT NULL,
    layout jsonb NOT NULL,
    owner_id uuid NULL,
    shared boolean NOT NULL DEFAULT false,
    default_roles jsonb NOT NULL DEFAULT '[]',
    version integer NOT NULL DEFAULT 1,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX dashboards_owner_idx ON dashboards (workspace_id, owner_id);
