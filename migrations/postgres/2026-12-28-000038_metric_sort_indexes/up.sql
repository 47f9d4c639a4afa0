-- Issue 19: the customer list sorted by revenue, order count or last order
-- reads buyers in this order from an index (then looks each customer up),
-- instead of computing every visible customer's key and sorting them all.
-- The id makes each index match the list's keyset order (key, id).
CREATE INDEX customer_metrics_revenue_idx ON customer_metrics (workspace_id, revenue_minor, customer_id);
CREATE INDEX customer_metrics_orders_idx ON customer_metrics (workspace_id, order_count, customer_id);
DROP INDEX customer_metrics_last_idx;
CREATE INDEX customer_metrics_last_idx ON customer_metrics (workspace_id, last_order_on, customer_id);
