DROP INDEX customer_metrics_revenue_idx;
DROP INDEX customer_metrics_orders_idx;
DROP INDEX customer_metrics_last_idx;
CREATE INDEX customer_metrics_last_idx ON customer_metrics (workspace_id, last_order_on);
