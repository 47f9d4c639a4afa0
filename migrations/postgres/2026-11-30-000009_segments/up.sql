-- Saved rule-based customer segments (issue 5): a name and the customer-list
-- filters as JSON; members are computed on read, so a segment is never stale.
CREATE TABLE segments (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    description text NULL,
    rules jsonb NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    CONSTRAINT segments_name_key UNIQUE (workspace_id, name)
);
