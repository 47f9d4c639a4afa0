-- SQLite twin of migrations/postgres (uuid as text).
-- Issue 17: files attached to tickets (a photo of the damage, an invoice).
-- The bytes live under CRM_ATTACHMENT_DIR as <workspace>/<id>; the row
-- keeps the name, the checked media type, the size and the SHA-256.
CREATE TABLE ticket_attachments (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    ticket_id text NOT NULL,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    sha256 text NOT NULL,
    uploaded_by text,
    created_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX ticket_attachments_ticket_idx ON ticket_attachments (workspace_id, ticket_id, created_at, id);
