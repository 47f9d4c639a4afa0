-- Predicted CLV (issue 5): the workspace's fitted BG/NBD and Gamma-Gamma
-- parameters, refitted daily (and after a base-currency change) from
-- customer_metrics. NULL parameters: too few repeat buyers to fit.
CREATE TABLE clv_models (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    fitted_at timestamp NOT NULL,
    -- Buyers the fit used (a sample of at most 50,000).
    buyers bigint NOT NULL,
    bg_r double precision NULL,
    bg_alpha double precision NULL,
    bg_a double precision NULL,
    bg_b double precision NULL,
    gg_p double precision NULL,
    gg_q double precision NULL,
    gg_gamma double precision NULL
);
