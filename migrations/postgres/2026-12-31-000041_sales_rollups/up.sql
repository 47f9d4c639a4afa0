-- Issue 19: revenue and order counts per day and customer dimension, kept
-- current by every order and customer write in its own transaction
-- (crm_db::rollups), so the distribution map's revenue, order and average
-- order value figures read a few thousand rows instead of every order of
-- the window. One row per (currency, dimension, parent, day, code, owner,
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
    PRIMARY KEY (workspace_id, currency, dimension, parent_code, order_date, code, owner_id, team_id)
);

INSERT INTO sales_rollups (workspace_id, currency, dimension, parent_code, order_date, code,
                           owner_id, team_id, revenue_minor, orders)
SELECT o.workspace_id, o.currency, d.dimension,
       CASE d.dimension WHEN 'province' THEN COALESCE(c.country_code, '')
                        WHEN 'city' THEN COALESCE(c.province_code, '') ELSE '' END,
       o.order_date,
       COALESCE(CASE d.dimension WHEN 'country' THEN c.country_code
                                 WHEN 'province' THEN c.province_code
                                 WHEN 'city' THEN c.city_code
                                 WHEN 'industry' THEN c.industry
                                 WHEN 'size' THEN c.size_band
                                 WHEN 'lifecycle_stage' THEN c.lifecycle_stage
                                 WHEN 'source' THEN c.source
                                 WHEN 'kind' THEN c.kind
                                 WHEN 'gender' THEN c.gender END, ''),
       COALESCE(c.owner_id, '00000000-0000-0000-0000-000000000000'),
       COALESCE(c.team_id, '00000000-0000-0000-0000-000000000000'),
       CAST(SUM(o.total_minor) AS bigint), COUNT(*)
FROM orders o
JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id
CROSS JOIN (SELECT 'country' AS dimension UNION ALL SELECT 'province' UNION ALL SELECT 'city'
            UNION ALL SELECT 'industry' UNION ALL SELECT 'size' UNION ALL SELECT 'lifecycle_stage'
            UNION ALL SELECT 'source' UNION ALL SELECT 'kind' UNION ALL SELECT 'gender') d
WHERE o.deleted_at IS NULL AND o.status NOT IN ('draft', 'cancelled', 'refunded')
  AND c.deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
