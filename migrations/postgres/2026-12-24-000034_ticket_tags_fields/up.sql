-- Issue 17: tickets carry the workspace's tags (the same tags as customers)
-- and custom fields (definitions with entity 'ticket', values as on customers).
ALTER TABLE tickets ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}';
CREATE TABLE ticket_tags (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    ticket_id uuid NOT NULL,
    tag_id uuid NOT NULL,
    PRIMARY KEY (workspace_id, ticket_id, tag_id)
);
CREATE INDEX ticket_tags_tag_idx ON ticket_tags (workspace_id, tag_id, ticket_id);
