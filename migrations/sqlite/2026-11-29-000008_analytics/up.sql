-- Customer analytics (issue 5): SQLite twin of migrations/postgres (ids as text).

CREATE TABLE analytics_settings (
    workspace_id text PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    -- Revenue figures count orders in this currency (no FX conversion yet).
    base_currency text NOT NULL,
    -- A customer whose last order is older than this has churned.
    churn_after_days integer NOT NULL,
    -- Set by order writes, cleared by the RFM refresh.
    rfm_stale integer NOT NULL,
    rfm_refreshed_at timestamp NULL
);

CREATE TABLE customer_metrics (
    workspace_id text NOT NULL,
    customer_id text NOT NULL,
    order_count integer NOT NULL,
    revenue_minor integer NOT NULL,
    first_order_on date NOT NULL,
    last_order_on date NOT NULL,
    -- Longest silence between two consecutive orders (0 with one order).
    longest_gap_days integer NOT NULL,
    rfm_r integer NULL,
    rfm_f integer NULL,
    rfm_m integer NULL,
    rfm_segment text NULL,
    PRIMARY KEY (workspace_id, customer_id),
    FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_metrics_first_idx ON customer_metrics (workspace_id, first_order_on);
CREATE INDEX customer_metrics_last_idx ON customer_metrics (workspace_id, last_order_on);
CREATE INDEX customer_metrics_segment_idx ON customer_metrics (workspace_id, rfm_segment);

-- Group-by columns of the distribution map.
CREATE INDEX customers_industry_idx ON customers (workspace_id, industry) WHERE deleted_at IS NULL;
