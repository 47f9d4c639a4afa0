-- Responses to POSTs sent with an Idempotency-Key, stored in the write's
-- transaction and replayed for 24 hours (DESIGN §4).
CREATE TABLE idempotency_keys (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    actor_id uuid NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer NOT NULL,
    response jsonb NOT NULL,
    location text NULL,
    created_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, actor_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (workspace_id, created_at);
