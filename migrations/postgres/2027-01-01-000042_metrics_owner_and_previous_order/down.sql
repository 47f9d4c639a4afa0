ALTER TABLE customer_metrics DROP COLUMN previous_order_on, DROP COLUMN owner_id,
    DROP COLUMN team_id, DROP COLUMN live;
