DROP INDEX leads_converted_idx;
DROP INDEX activities_customer_idx;
CREATE INDEX activities_customer_idx ON activities (workspace_id, customer_id, occurred_at, id) WHERE deleted_at IS NULL;
DROP INDEX deals_customer_idx;
CREATE INDEX deals_customer_idx ON deals (workspace_id, customer_id) WHERE deleted_at IS NULL;
DROP INDEX contacts_customer_idx;
CREATE INDEX contacts_customer_idx ON contacts (workspace_id, customer_id) WHERE deleted_at IS NULL;
DROP INDEX orders_customer_idx;
CREATE INDEX orders_customer_idx ON orders (workspace_id, customer_id, order_date) WHERE deleted_at IS NULL;
