-- Pipelines with ordered stages, deals on them, and every stage change
-- with its time (the raw material of sales-cycle analytics).

CREATE TABLE pipelines (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    position integer NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    UNIQUE (workspace_id, id)
);
CREATE UNIQUE INDEX pipelines_name_key ON pipelines (workspace_id, name);

CREATE TABLE pipeline_stages (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL,
    pipeline_id uuid NOT NULL,
    name text NOT NULL,
    position integer NOT NULL,
    probability integer NOT NULL,
    kind text NOT NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX pipeline_stages_pipeline_idx ON pipeline_stages (workspace_id, pipeline_id, position);

CREATE TABLE deals (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    pipeline_id uuid NOT NULL,
    stage_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    external_id text NULL,
    name text NOT NULL,
    amount_minor bigint NOT NULL,
    currency text NOT NULL,
    probability integer NOT NULL,
    expected_close_date date NULL,
    owner_id uuid NULL,
    team_id uuid NULL,
    lost_reason text NULL,
    closed_at timestamp NULL,
    stage_changed_at timestamp NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    deleted_at timestamp NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id),
    FOREIGN KEY (workspace_id, stage_id) REFERENCES pipeline_stages (workspace_id, id),
    FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id)
);
CREATE UNIQUE INDEX deals_external_id_key ON deals (workspace_id, external_id)
    WHERE external_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX deals_stage_idx ON deals (workspace_id, stage_id, stage_changed_at, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_customer_idx ON deals (workspace_id, customer_id) WHERE deleted_at IS NULL;
CREATE INDEX deals_created_idx ON deals (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_owner_idx ON deals (workspace_id, owner_id) WHERE deleted_at IS NULL;
CREATE INDEX deals_team_idx ON deals (workspace_id, team_id) WHERE deleted_at IS NULL;

CREATE TABLE deal_stage_changes (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL,
    deal_id uuid NOT NULL,
    from_stage_id uuid NULL,
    to_stage_id uuid NOT NULL,
    actor_id uuid NULL,
    at timestamp NOT NULL,
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX deal_stage_changes_deal_idx ON deal_stage_changes (workspace_id, deal_id, at);
