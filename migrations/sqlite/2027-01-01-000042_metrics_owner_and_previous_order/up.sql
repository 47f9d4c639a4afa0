-- Issue 19 (SQLite twin of migrations/postgres): each buyer's second-latest
-- revenue order day, and its customer's owner, team and liveness, on the
-- metrics row (kept by crm_db::metrics).
ALTER TABLE customer_metrics ADD COLUMN previous_order_on date NULL;
ALTER TABLE customer_metrics ADD COLUMN owner_id text NULL;
ALTER TABLE customer_metrics ADD COLUMN team_id text NULL;
ALTER TABLE customer_metrics ADD COLUMN live boolean NOT NULL DEFAULT 1;

UPDATE customer_metrics
SET owner_id = c.owner_id, team_id = c.team_id, live = (c.deleted_at IS NULL)
FROM customers c
WHERE c.workspace_id = customer_metrics.workspace_id AND c.id = customer_metrics.customer_id;

UPDATE customer_metrics SET previous_order_on = p.previous_order_on
FROM (SELECT t.workspace_id, t.customer_id, MAX(t.previous) AS previous_order_on
      FROM (SELECT o.workspace_id, o.customer_id,
                   LAG(o.order_date) OVER (PARTITION BY o.workspace_id, o.customer_id
                                           ORDER BY o.order_date) AS previous
            FROM orders o
            LEFT JOIN analytics_settings s ON s.workspace_id = o.workspace_id
            WHERE o.deleted_at IS NULL AND o.status NOT IN ('draft', 'cancelled', 'refunded')
              AND o.currency = COALESCE(s.base_currency, 'CNY')) t
      GROUP BY t.workspace_id, t.customer_id) p
WHERE customer_metrics.workspace_id = p.workspace_id AND customer_metrics.customer_id = p.customer_id
  AND p.previous_order_on IS NOT NULL;
