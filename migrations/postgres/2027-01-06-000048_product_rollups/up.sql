-- Issue 19: order lines' amounts, quantities and counts per day, currency,
-- product and the order's own owner and team, kept current by every order
-- write in its own transaction (crm_db::rollups::products), so revenue by
-- product (a widget of the built-in dashboard) reads a few rows a day
-- instead of every order line there ever was. Like order_rollups, the rows
-- follow the orders' own visibility columns, whatever became of their
-- customer; the nil UUID stands for "no owner" / "no team".
CREATE TABLE product_rollups (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    currency text NOT NULL,
    order_date date NOT NULL,
    product_id uuid NOT NULL,
    owner_id uuid NOT NULL,
    team_id uuid NOT NULL,
    amount_minor bigint NOT NULL,
    quantity_milli bigint NOT NULL,
    lines bigint NOT NULL,
    PRIMARY KEY (workspace_id, currency, order_date, product_id, owner_id, team_id)
        INCLUDE (amount_minor, quantity_milli, lines)
);

-- Existing order lines (the same statement as crm_db::rollups::products).
INSERT INTO product_rollups (workspace_id, currency, order_date, product_id, owner_id,
                             team_id, amount_minor, quantity_milli, lines)
SELECT o.workspace_id, o.currency, o.order_date, l.product_id,
       COALESCE(o.owner_id, '00000000-0000-0000-0000-000000000000'),
       COALESCE(o.team_id, '00000000-0000-0000-0000-000000000000'),
       CAST(SUM(l.amount_minor) AS bigint), CAST(SUM(l.quantity_milli) AS bigint), COUNT(*)
FROM orders o
JOIN order_lines l ON l.workspace_id = o.workspace_id AND l.order_id = o.id
WHERE o.deleted_at IS NULL AND o.status NOT IN ('draft', 'cancelled', 'refunded')
GROUP BY 1, 2, 3, 4, 5, 6;

ANALYZE product_rollups;
