ALTER TABLE customer_metrics DROP COLUMN live;
ALTER TABLE customer_metrics DROP COLUMN team_id;
ALTER TABLE customer_metrics DROP COLUMN owner_id;
ALTER TABLE customer_metrics DROP COLUMN previous_order_on;
