-- Issue 19: buyers and revenue per (currency, month of the customer's first
-- revenue order in that currency, month of the orders, owner, team), kept
-- current by every order and customer write in its own transaction
-- (crm_db::rollups::cohorts), so the cohort matrix reads a few hundred rows
-- instead of every order of its cohorts. A customer counts once per month
-- it bought in; owner and team are the customer's (the nil UUID for none),
-- so visibility needs no join.
CREATE TABLE cohort_rollups (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    currency text NOT NULL,
    cohort_month date NOT NULL,
    order_month date NOT NULL,
    owner_id uuid NOT NULL,
    team_id uuid NOT NULL,
    buyers bigint NOT NULL,
    revenue_minor bigint NOT NULL,
    PRIMARY KEY (workspace_id, currency, cohort_month, order_month, owner_id, team_id)
        INCLUDE (buyers, revenue_minor)
);

-- Existing orders (the same statement as crm_db::rollups::cohorts).
INSERT INTO cohort_rollups (workspace_id, currency, cohort_month, order_month, owner_id, team_id,
                            buyers, revenue_minor)
SELECT t.workspace_id, t.currency, t.cohort_month, t.order_month, t.owner_id, t.team_id,
       COUNT(*), CAST(SUM(t.revenue) AS bigint)
FROM (SELECT o.workspace_id AS workspace_id, o.currency AS currency,
             MIN(CAST(date_trunc('month', o.order_date) AS date))
                 OVER (PARTITION BY o.workspace_id, o.customer_id, o.currency) AS cohort_month,
             CAST(date_trunc('month', o.order_date) AS date) AS order_month,
             COALESCE(c.owner_id, '00000000-0000-0000-0000-000000000000') AS owner_id,
             COALESCE(c.team_id, '00000000-0000-0000-0000-000000000000') AS team_id,
             SUM(o.total_minor) AS revenue
      FROM orders o
      JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id
      WHERE o.deleted_at IS NULL AND o.status NOT IN ('draft', 'cancelled', 'refunded')
        AND c.deleted_at IS NULL
      GROUP BY o.workspace_id, o.currency, o.customer_id, CAST(date_trunc('month', o.order_date) AS date),
               c.owner_id, c.team_id) t
GROUP BY 1, 2, 3, 4, 5, 6;
