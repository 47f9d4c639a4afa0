-- Issue 19: revenue and order counts per day and customer dimension, kept
-- current by every order and customer write in its own transaction
-- (crm_db::rollups), so the distribution map's revenue, order and average
-- order value figures read a few thousand rows instead of every order of
-- the window. One row per (currency, dimension, day, parent, code, owner,
-- team): `code` is the customer's value of the dimension ('' when unset),
-- `parent_code` the code above it for regions (a city's province), and
-- owner and team are the customer's, so visibility needs no join. The nil
-- UUID stands for "no owner" / "no team" ('' and the nil UUID keep the key
-- free of NULLs, which unique keys never match).
CREATE TABLE sales_rollups (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    currency text NOT NULL,
    dimension text NOT NULL,
    parent_code text NOT NULL,
    order_date date NOT NULL,
    code text NOT NULL,
    owner_id uuid NOT NULL,
    team_id uuid NOT NULL,
    revenue_minor bigint NOT NULL,
    orders bigint NOT NULL,
    -- Days before parents: a map without a parent (every province) reads one
    -- range of days; the sums ride along so that range is read from the
    -- index alone once the table is vacuumed.
    PRIMARY KEY (workspace_id, currency, dimension, order_date, parent_code, code, owner_id, team_id)
        INCLUDE (revenue_minor, orders)
);

-- Existing orders, read once and counted once per dimension (the same
-- statement as crm_db::rollups).
WITH s AS MATERIALIZED (
    SELECT o.workspace_id AS workspace_id, o.currency AS currency, o.order_date AS order_date,
           o.total_minor AS total_minor,
           COALESCE(c.owner_id, '00000000-0000-0000-0000-000000000000') AS owner_id,
           COALESCE(c.team_id, '00000000-0000-0000-0000-000000000000') AS team_id,
           c.country_code AS country_code,
           c.province_code AS province_code,
           c.city_code AS city_code,
           c.industry AS industry,
           c.size_band AS size_band,
           c.lifecycle_stage AS lifecycle_stage,
           c.source AS source,
           c.kind AS kind,
           c.gender AS gender
    FROM orders o
    JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id
    WHERE o.deleted_at IS NULL AND o.status NOT IN ('draft', 'cancelled', 'refunded')
      AND c.deleted_at IS NULL
)
INSERT INTO sales_rollups (workspace_id, currency, dimension, parent_code, order_date, code,
                           owner_id, team_id, revenue_minor, orders)
SELECT s.workspace_id, s.currency, d.dimension,
       CASE d.dimension WHEN 'province' THEN COALESCE(s.country_code, '')
                        WHEN 'city' THEN COALESCE(s.province_code, '') ELSE '' END,
       s.order_date,
       COALESCE(CASE d.dimension
                                 WHEN 'country' THEN s.country_code
                                 WHEN 'province' THEN s.province_code
                                 WHEN 'city' THEN s.city_code
                                 WHEN 'industry' THEN s.industry
                                 WHEN 'size' THEN s.size_band
                                 WHEN 'lifecycle_stage' THEN s.lifecycle_stage
                                 WHEN 'source' THEN s.source
                                 WHEN 'kind' THEN s.kind
                                 WHEN 'gender' THEN s.gender END, ''),
       s.owner_id, s.team_id, CAST(SUM(s.total_minor) AS bigint), COUNT(*)
FROM s
CROSS JOIN (SELECT 'country' AS dimension UNION ALL SELECT 'province' UNION ALL SELECT 'city'
            UNION ALL SELECT 'industry' UNION ALL SELECT 'size' UNION ALL SELECT 'lifecycle_stage'
            UNION ALL SELECT 'source' UNION ALL SELECT 'kind' UNION ALL SELECT 'gender') d
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
