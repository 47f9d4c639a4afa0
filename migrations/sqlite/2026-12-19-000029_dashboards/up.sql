-- SQLite twin of migrations/postgres (uuid as text, booleans as integers).
-- Issue 18, dashboards (仪表盘): a grid of widgets (saved or standard
-- reports with a width and height) and the filters every widget starts
-- with, as JSON that crm_domain::dashboards checks before every write.
-- A dashboard belongs to the user who saved it; `shared` shows it to the
-- workspace; `default_roles` (role ids, set by an administrator) makes it
-- the home dashboard of those roles.
CREATE TABLE dashboards (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    name text NOT NULL,
    layout text NOT NULL,
    owner_id text NULL,
    shared boolean NOT NULL DEFAULT 0,
    default_roles text NOT NULL DEFAULT '[]',
    version integer NOT NULL DEFAULT 1,
    created_by text NULL,
    updated_by text NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX dashboards_owner_idx ON dashboards (workspace_id, owner_id);
