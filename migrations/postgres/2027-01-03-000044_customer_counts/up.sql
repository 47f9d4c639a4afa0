-- Issue 19: how many live customers each value of a customer dimension has
-- (province, industry, size, lifecycle stage, source, kind, gender, birth date, tag),
-- per owner and team (the nil UUID for none), kept current by every
-- customer and tag write in its own transaction (crm_db::rollups::counts),
-- so the portrait spreads its members over a few thousand rows instead of
-- counting every customer once per dimension. A value is stored as '='
-- followed by it, no value as ''.
CREATE TABLE customer_counts (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    dimension text NOT NULL,
    code text NOT NULL,
    owner_id uuid NOT NULL,
    team_id uuid NOT NULL,
    customers bigint NOT NULL,
    PRIMARY KEY (workspace_id, dimension, code, owner_id, team_id) INCLUDE (customers)
);

-- Existing customers (the same statement as crm_db::rollups::counts).
INSERT INTO customer_counts (workspace_id, dimension, code, owner_id, team_id, customers)
SELECT t.workspace_id, t.dimension, t.code, t.owner_id, t.team_id, COUNT(*)
FROM (SELECT c.workspace_id AS workspace_id, d.dimension AS dimension,
             COALESCE('=' || CASE d.dimension WHEN 'province' THEN c.province_code
                 WHEN 'industry' THEN c.industry WHEN 'size' THEN c.size_band
                 WHEN 'lifecycle_stage' THEN c.lifecycle_stage WHEN 'source' THEN c.source
                 WHEN 'kind' THEN c.kind WHEN 'gender' THEN c.gender
                 WHEN 'birth_date' THEN to_char(c.birth_date, 'YYYY-MM-DD') END, '') AS code,
             COALESCE(c.owner_id, '00000000-0000-0000-0000-000000000000') AS owner_id,
             COALESCE(c.team_id, '00000000-0000-0000-0000-000000000000') AS team_id
      FROM customers c
      CROSS JOIN (SELECT 'province' AS dimension UNION ALL SELECT 'industry'
                  UNION ALL SELECT 'size' UNION ALL SELECT 'lifecycle_stage'
                  UNION ALL SELECT 'source' UNION ALL SELECT 'kind' UNION ALL SELECT 'gender'
                  UNION ALL SELECT 'birth_date') d
      WHERE c.deleted_at IS NULL
      UNION ALL
      SELECT c.workspace_id, 'tag', COALESCE('=' || CAST(ct.tag_id AS text), ''),
             COALESCE(c.owner_id, '00000000-0000-0000-0000-000000000000'),
             COALESCE(c.team_id, '00000000-0000-0000-0000-000000000000')
      FROM customers c
      LEFT JOIN customer_tags ct ON ct.workspace_id = c.workspace_id AND ct.customer_id = c.id
      WHERE c.deleted_at IS NULL) t
GROUP BY 1, 2, 3, 4, 5;

-- Planned by what it holds from the first read (a never-analysed table is
-- planned as empty: a sort of every row instead of a hash).
ANALYZE customer_counts;
