-- SQLite twin of migrations/postgres (uuid and jsonb as text, booleans as integers).
-- Issue 17, the service desk (工单): tickets with their SLA clocks, the
-- replies and internal notes on them, and each workspace's service
-- settings (ticket types, business calendar, SLA targets) as one document.
-- A ticket names its contact by the workspace-leading key (DESIGN §2).
CREATE UNIQUE INDEX contacts_workspace_id_key ON contacts (workspace_id, id);

CREATE TABLE tickets (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    number bigint NOT NULL,
    customer_id text NOT NULL,
    contact_id text NULL,
    subject text NOT NULL,
    description text NULL,
    ticket_type text NOT NULL,
    priority text NOT NULL,
    channel text NOT NULL,
    status text NOT NULL,
    assignee_id text NULL,
    team_id text NULL,
    external_id text NULL,
    first_response_due_at timestamp NULL,
    resolution_due_at timestamp NULL,
    first_responded_at timestamp NULL,
    resolved_at timestamp NULL,
    closed_at timestamp NULL,
    paused_at timestamp NULL,
    search_text text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_by text NULL,
    updated_by text NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    deleted_at timestamp NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id),
    FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id),
    FOREIGN KEY (workspace_id, assignee_id) REFERENCES users (workspace_id, id),
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id)
);
CREATE UNIQUE INDEX tickets_number_key ON tickets (workspace_id, number);
CREATE UNIQUE INDEX tickets_external_id_key ON tickets (workspace_id, external_id)
    WHERE external_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX tickets_created_idx ON tickets (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_status_idx ON tickets (workspace_id, status) WHERE deleted_at IS NULL;
CREATE INDEX tickets_assignee_idx ON tickets (workspace_id, assignee_id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_team_idx ON tickets (workspace_id, team_id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_customer_idx ON tickets (workspace_id, customer_id);
CREATE INDEX tickets_contact_idx ON tickets (workspace_id, contact_id);

CREATE TABLE ticket_replies (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    ticket_id text NOT NULL,
    internal integer NOT NULL,
    body text NOT NULL,
    author_id text NULL,
    created_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, ticket_id) REFERENCES tickets (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, author_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX ticket_replies_ticket_idx ON ticket_replies (workspace_id, ticket_id, created_at, id);
CREATE INDEX ticket_replies_author_idx ON ticket_replies (workspace_id, author_id);

CREATE TABLE service_settings (
    workspace_id text PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    settings text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    updated_by text NULL,
    updated_at timestamp NOT NULL
);
