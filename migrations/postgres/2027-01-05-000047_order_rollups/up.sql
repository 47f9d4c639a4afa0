-- Issue 19: revenue and order counts per day, currency and the order's own
-- owner and team, kept current by every order write in its own transaction
-- (crm_db::rollups::orders), so the sales forecast's monthly revenue reads a
-- few rows a day instead of every order of its three years. Unlike
-- sales_rollups (the customer's owner and team, live customers only) these
-- rows follow what the forecast reads: the orders' own visibility columns,
-- whatever became of their customer. The nil UUID stands for "no owner" /
-- "no team" (it keeps the key free of NULLs, which unique keys never match).
CREATE TABLE order_rollups (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    currency text NOT NULL,
    order_date date NOT NULL,
    owner_id uuid NOT NULL,
    team_id uuid NOT NULL,
    revenue_minor bigint NOT NULL,
    orders bigint NOT NULL,
    PRIMARY KEY (workspace_id, currency, order_date, owner_id, team_id)
        INCLUDE (revenue_minor, orders)
);

-- Existing orders (the same statement as crm_db::rollups::orders).
INSERT INTO order_rollups (workspace_id, currency, order_date, owner_id, team_id,
                           revenue_minor, orders)
SELECT o.workspace_id, o.currency, o.order_date,
       COALESCE(o.owner_id, '00000000-0000-0000-0000-000000000000'),
       COALESCE(o.team_id, '00000000-0000-0000-0000-000000000000'),
       CAST(SUM(o.total_minor) AS bigint), COUNT(*)
FROM orders o
WHERE o.deleted_at IS NULL AND o.status NOT IN ('draft', 'cancelled', 'refunded')
GROUP BY 1, 2, 3, 4, 5;

ANALYZE order_rollups;
