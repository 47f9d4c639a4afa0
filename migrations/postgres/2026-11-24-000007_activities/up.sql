-- Activities (call, meeting, email, note, task) linked to a customer,
-- contact, lead or deal; the customer timeline reads them by customer.
CREATE TABLE activities (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind text NOT NULL,
    subject text NOT NULL,
    body text NULL,
    customer_id uuid NULL,
    contact_id uuid NULL,
    lead_id uuid NULL,
    deal_id uuid NULL,
    occurred_at timestamp NOT NULL,
    due_at timestamp NULL,
    done boolean NOT NULL,
    done_at timestamp NULL,
    owner_id uuid NULL,
    team_id uuid NULL,
    version integer NOT NULL DEFAULT 1,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    deleted_at timestamp NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id),
    FOREIGN KEY (workspace_id, lead_id) REFERENCES leads (workspace_id, id),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id)
);
CREATE INDEX activities_customer_idx ON activities (workspace_id, customer_id, occurred_at, id) WHERE deleted_at IS NULL;
CREATE INDEX activities_deal_idx ON activities (workspace_id, deal_id) WHERE deleted_at IS NULL;
CREATE INDEX activities_lead_idx ON activities (workspace_id, lead_id) WHERE deleted_at IS NULL;
CREATE INDEX activities_owner_due_idx ON activities (workspace_id, owner_id, done, due_at) WHERE deleted_at IS NULL;
CREATE INDEX activities_team_idx ON activities (workspace_id, team_id) WHERE deleted_at IS NULL;
CREATE INDEX activities_created_idx ON activities (workspace_id, created_at, id) WHERE deleted_at IS NULL;
