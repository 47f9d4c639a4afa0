-- Predicted CLV (issue 5): SQLite twin of migrations/postgres.
CREATE TABLE clv_models (
    workspace_id text PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    fitted_at timestamp NOT NULL,
    buyers integer NOT NULL,
    bg_r real NULL,
    bg_alpha real NULL,
    bg_a real NULL,
    bg_b real NULL,
    gg_p real NULL,
    gg_q real NULL,
    gg_gamma real NULL
);
