-- Foundation: tenancy, accounts, access, reference regions, customers, contacts, change log.
-- Every business table leads its keys and indexes with workspace_id.

CREATE TABLE workspaces (
    id uuid PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    change_seq bigint NOT NULL DEFAULT 0,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL
);

CREATE TABLE roles (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key text NOT NULL,
    name text NOT NULL,
    builtin boolean NOT NULL DEFAULT false,
    permissions jsonb NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    UNIQUE (workspace_id, id),
    CONSTRAINT roles_key_key UNIQUE (workspace_id, key)
);

CREATE TABLE teams (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    parent_id uuid NULL,
    manager_id uuid NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    UNIQUE (workspace_id, id),
    CONSTRAINT teams_name_key UNIQUE (workspace_id, name),
    FOREIGN KEY (workspace_id, parent_id) REFERENCES teams (workspace_id, id)
);

CREATE TABLE users (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email text NOT NULL,
    display_name text NOT NULL,
    password_hash text NOT NULL,
    role_id uuid NOT NULL,
    team_id uuid NULL,
    active boolean NOT NULL DEFAULT true,
    version integer NOT NULL DEFAULT 1,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    UNIQUE (workspace_id, id),
    CONSTRAINT users_email_key UNIQUE (workspace_id, email),
    FOREIGN KEY (workspace_id, role_id) REFERENCES roles (workspace_id, id),
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id)
);
CREATE INDEX users_team_idx ON users (workspace_id, team_id);

ALTER TABLE teams ADD FOREIGN KEY (workspace_id, manager_id) REFERENCES users (workspace_id, id);

CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    family_id uuid NOT NULL,
    token_hash text NOT NULL UNIQUE,
    expires_at timestamp NOT NULL,
    used_at timestamp NULL,
    revoked_at timestamp NULL,
    created_at timestamp NOT NULL,
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (workspace_id, family_id);

CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    prefix text NOT NULL UNIQUE,
    secret_hash text NOT NULL,
    role_id uuid NOT NULL,
    user_id uuid NOT NULL,
    created_at timestamp NOT NULL,
    last_used_at timestamp NULL,
    expires_at timestamp NULL,
    revoked_at timestamp NULL,
    FOREIGN KEY (workspace_id, role_id) REFERENCES roles (workspace_id, id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)
);
CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id, created_at);

-- Failed sign-ins per account and per client address; shared by every API node.
CREATE TABLE login_throttle (
    key text PRIMARY KEY,
    failures integer NOT NULL,
    window_started_at timestamp NOT NULL,
    blocked_until timestamp NULL
);

-- Reference data (global): ISO 3166-1 countries and China's GB/T 2260 divisions.
CREATE TABLE regions (
    code text PRIMARY KEY,
    level text NOT NULL,
    parent_code text NULL REFERENCES regions (code),
    country_code text NOT NULL,
    name_zh text NOT NULL,
    name_en text NOT NULL
);
CREATE INDEX regions_parent_idx ON regions (parent_code, code);
CREATE INDEX regions_level_idx ON regions (level, code);

CREATE TABLE tags (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    color text NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    UNIQUE (workspace_id, id),
    CONSTRAINT tags_name_key UNIQUE (workspace_id, name)
);

CREATE TABLE custom_field_defs (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    entity text NOT NULL,
    key text NOT NULL,
    label text NOT NULL,
    field_type text NOT NULL,
    options jsonb NOT NULL,
    required boolean NOT NULL DEFAULT false,
    position integer NOT NULL DEFAULT 0,
    version integer NOT NULL DEFAULT 1,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    CONSTRAINT custom_field_defs_key_key UNIQUE (workspace_id, entity, key)
);

CREATE TABLE customers (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind text NOT NULL,
    name text NOT NULL,
    external_id text NULL,
    owner_id uuid NULL,
    team_id uuid NULL,
    industry text NULL,
    size_band text NULL,
    employee_count integer NULL,
    annual_revenue_minor bigint NULL,
    annual_revenue_currency text NULL,
    email text NULL,
    phone text NULL,
    website text NULL,
    country_code text NULL REFERENCES regions (code),
    province_code text NULL REFERENCES regions (code),
    city_code text NULL REFERENCES regions (code),
    district_code text NULL REFERENCES regions (code),
    address text NULL,
    gender text NULL,
    birth_date date NULL,
    source text NULL,
    lifecycle_stage text NULL,
    custom_fields jsonb NOT NULL,
    search_text text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    deleted_at timestamp NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id)
);
CREATE UNIQUE INDEX customers_external_id_key ON customers (workspace_id, external_id)
    WHERE external_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX customers_created_idx ON customers (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_updated_idx ON customers (workspace_id, updated_at, id);
CREATE INDEX customers_name_idx ON customers (workspace_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_owner_idx ON customers (workspace_id, owner_id) WHERE deleted_at IS NULL;
CREATE INDEX customers_team_idx ON customers (workspace_id, team_id) WHERE deleted_at IS NULL;
CREATE INDEX customers_region_idx ON customers (workspace_id, province_code, city_code) WHERE deleted_at IS NULL;

CREATE TABLE customer_tags (
    workspace_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    tag_id uuid NOT NULL,
    PRIMARY KEY (workspace_id, customer_id, tag_id),
    FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, tag_id) REFERENCES tags (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_tags_tag_idx ON customer_tags (workspace_id, tag_id, customer_id);

CREATE TABLE contacts (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    customer_id uuid NOT NULL,
    name text NOT NULL,
    title text NULL,
    department text NULL,
    email text NULL,
    phone text NULL,
    is_primary boolean NOT NULL DEFAULT false,
    external_id text NULL,
    custom_fields jsonb NOT NULL,
    search_text text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    deleted_at timestamp NULL,
    FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id)
);
CREATE UNIQUE INDEX contacts_external_id_key ON contacts (workspace_id, external_id)
    WHERE external_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX contacts_customer_idx ON contacts (workspace_id, customer_id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_created_idx ON contacts (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_updated_idx ON contacts (workspace_id, updated_at, id);

-- Append-only, written in the transaction of the change it records.
CREATE TABLE change_log (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    entity text NOT NULL,
    entity_id uuid NOT NULL,
    op text NOT NULL,
    changed_fields jsonb NOT NULL,
    actor_id uuid NULL,
    at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX change_log_entity_idx ON change_log (workspace_id, entity, entity_id);
