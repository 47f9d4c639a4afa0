-- Indexes under the foreign keys to customers, without the `deleted_at IS NULL`
-- predicate: a partial index cannot serve the check the database runs for each
-- customer removed (deleting a workspace checked every order of it once per
-- customer, minutes at 20,000 customers). Queries that filter live rows still
-- use them, and writes maintain the same number of indexes as before.
DROP INDEX orders_customer_idx;
CREATE INDEX orders_customer_idx ON orders (workspace_id, customer_id, order_date);
DROP INDEX contacts_customer_idx;
CREATE INDEX contacts_customer_idx ON contacts (workspace_id, customer_id);
DROP INDEX deals_customer_idx;
CREATE INDEX deals_customer_idx ON deals (workspace_id, customer_id);
DROP INDEX activities_customer_idx;
CREATE INDEX activities_customer_idx ON activities (workspace_id, customer_id, occurred_at, id);
CREATE INDEX leads_converted_idx ON leads (workspace_id, converted_customer_id);
