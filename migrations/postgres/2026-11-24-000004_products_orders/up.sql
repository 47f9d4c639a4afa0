-- Products and orders: the transaction records analytics feed on (issue 4).
-- Money is integer minor units; quantities are thousandths (3 decimals).

CREATE TABLE products (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    sku text NOT NULL,
    name text NOT NULL,
    external_id text NULL,
    category text NULL,
    unit text NULL,
    price_minor bigint NULL,
    currency text NULL,
    active boolean NOT NULL,
    description text NULL,
    search_text text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    deleted_at timestamp NULL,
    UNIQUE (workspace_id, id)
);
CREATE UNIQUE INDEX products_sku_key ON products (workspace_id, sku) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX products_external_id_key ON products (workspace_id, external_id)
    WHERE external_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX products_name_idx ON products (workspace_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX products_updated_idx ON products (workspace_id, updated_at, id);

CREATE TABLE orders (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    customer_id uuid NOT NULL,
    external_id text NULL,
    order_date date NOT NULL,
    status text NOT NULL,
    currency text NOT NULL,
    subtotal_minor bigint NOT NULL,
    discount_minor bigint NOT NULL,
    total_minor bigint NOT NULL,
    owner_id uuid NULL,
    team_id uuid NULL,
    note text NULL,
    version integer NOT NULL DEFAULT 1,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    deleted_at timestamp NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id),
    FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id)
);
CREATE UNIQUE INDEX orders_external_id_key ON orders (workspace_id, external_id)
    WHERE external_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX orders_customer_idx ON orders (workspace_id, customer_id, order_date) WHERE deleted_at IS NULL;
CREATE INDEX orders_date_idx ON orders (workspace_id, order_date, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_created_idx ON orders (workspace_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_updated_idx ON orders (workspace_id, updated_at, id);
CREATE INDEX orders_owner_idx ON orders (workspace_id, owner_id) WHERE deleted_at IS NULL;
CREATE INDEX orders_team_idx ON orders (workspace_id, team_id) WHERE deleted_at IS NULL;

CREATE TABLE order_lines (
    workspace_id uuid NOT NULL,
    order_id uuid NOT NULL,
    line_no integer NOT NULL,
    product_id uuid NOT NULL,
    quantity_milli bigint NOT NULL,
    unit_price_minor bigint NOT NULL,
    discount_minor bigint NOT NULL,
    amount_minor bigint NOT NULL,
    PRIMARY KEY (workspace_id, order_id, line_no),
    FOREIGN KEY (workspace_id, order_id) REFERENCES orders (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, product_id) REFERENCES products (workspace_id, id)
);
CREATE INDEX order_lines_product_idx ON order_lines (workspace_id, product_id);
