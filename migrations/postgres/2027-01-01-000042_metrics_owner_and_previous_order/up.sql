-- Issue 19: what the analytics read from each buyer's metrics row without
-- reading the customer or its orders again.
-- * previous_order_on: the second-latest revenue order day (the latest again
--   when two orders share it; NULL with one order). With it, "ordered at
--   least twice since a day" is a comparison on the row, so the KPIs of a
--   window that ends after every order (the default: the last 365 days)
--   read one row per buyer instead of every order of the window.
-- * owner_id, team_id, live: the customer's owner and team and whether it is
--   not deleted, so visibility and an owner or team filter need no join
--   with a million customers (RFM summary, KPIs, portraits, k-means).
-- Both are kept by crm_db::metrics: the order writes' refresh, and the
-- customer writes that change an owner or team or delete.
ALTER TABLE customer_metrics
    ADD COLUMN previous_order_on date NULL,
    ADD COLUMN owner_id uuid NULL,
    ADD COLUMN team_id uuid NULL,
    ADD COLUMN live boolean NOT NULL DEFAULT true;

UPDATE customer_metrics m
SET previous_order_on = p.previous_order_on, owner_id = c.owner_id, team_id = c.team_id,
    live = (c.deleted_at IS NULL)
FROM customers c
LEFT JOIN (SELECT t.workspace_id, t.customer_id, MAX(t.previous) AS previous_order_on
           FROM (SELECT o.workspace_id, o.customer_id,
                        LAG(o.order_date) OVER (PARTITION BY o.workspace_id, o.customer_id
                                                ORDER BY o.order_date) AS previous
                 FROM orders o
                 LEFT JOIN analytics_settings s ON s.workspace_id = o.workspace_id
                 WHERE o.deleted_at IS NULL AND o.status NOT IN ('draft', 'cancelled', 'refunded')
                   AND o.currency = COALESCE(s.base_currency, 'CNY')) t
           GROUP BY t.workspace_id, t.customer_id) p
  ON p.workspace_id = c.workspace_id AND p.customer_id = c.id
WHERE c.workspace_id = m.workspace_id AND c.id = m.customer_id;
