-- Issue 16, products on a deal: the lines a rep quotes (product, quantity in
-- thousandths, unit price, discount, amount) — the same shape as an order's.
-- When a deal has lines its amount is their total.
CREATE TABLE deal_lines (
    workspace_id uuid NOT NULL,
    deal_id uuid NOT NULL,
    line_no integer NOT NULL,
    product_id uuid NOT NULL,
    quantity_milli bigint NOT NULL,
    unit_price_minor bigint NOT NULL,
    discount_minor bigint NOT NULL,
    amount_minor bigint NOT NULL,
    PRIMARY KEY (workspace_id, deal_id, line_no),
    FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, product_id) REFERENCES products (workspace_id, id)
);
CREATE INDEX deal_lines_product_idx ON deal_lines (workspace_id, product_id);
