-- Leads: prospects not yet customers; conversion links what it created.
CREATE TABLE leads (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    status text NOT NULL,
    source text NULL,
    company_name text NULL,
    person_name text NOT NULL,
    title text NULL,
    email text NULL,
    phone text NULL,
    province_code text NULL REFERENCES regions (code),
    city_code text NULL REFERENCES regions (code),
    note text NULL,
    external_id text NULL,
    owner_id uuid NULL,
    team_id uuid NULL,
    disqualified_reason text NULL,
    converted_customer_id uuid NULL,
    converted_contact_id uuid NULL,
    converted_deal_id uuid NULL,
    converted_at timestamp NULL,
    search_text text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    deleted_at timestamp NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id),
    FOREIGN KEY (workspace_id, converted_customer_id) REFERENCES customers (workspace_id, id)
);
CREATE UNIQUE INDEX leads_external_id_key ON leads (workspace_id, external_id)
    WHERE external_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX leads_created_idx ON leads (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_status_idx ON leads (workspace_id, status) WHERE deleted_at IS NULL;
CREATE INDEX leads_owner_idx ON leads (workspace_id, owner_id) WHERE deleted_at IS NULL;
CREATE INDEX leads_team_idx ON leads (workspace_id, team_id) WHERE deleted_at IS NULL;
