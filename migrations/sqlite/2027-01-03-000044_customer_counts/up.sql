-- Issue 19 (SQLite twin of migrations/postgres): how many live customers
-- each value of a customer dimension has (province, industry, size,
-- lifecycle stage, source, kind, gender, birth date, tag), per owner and team (the nil
-- UUID for none), kept current by every customer and tag write
-- (crm_db::rollups::counts). A value is stored as '=' followed by it, no
-- value as ''.
CREATE TABLE customer_counts (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    dimension text NOT NULL,
    code text NOT NULL,
    owner_id text NOT NULL,
    team_id text NOT NULL,
    customers integer NOT NULL,
    PRIMARY KEY (workspace_id, dimension, code, owner_id, team_id)
);

-- Existing customers (the same statement as crm_db::rollups::counts).
INSERT INTO customer_counts (workspace_id, dimension, code, owner_id, team_id, customers)
SELECT t.workspace_id, t.dimension, t.code, t.owner_id, t.team_id, COUNT(*)
FROM (SELECT c.workspace_id AS workspace_id, d.dimension AS dimension,
             COALESCE('=' || CASE d.dimension WHEN 'province' THEN c.province_code
                 WHEN 'industry' THEN c.industry WHEN 'size' THEN c.size_band
                 WHEN 'lifecycle_stage' THEN c.lifecycle_stage WHEN 'source' THEN c.source
                 WHEN 'kind' THEN c.kind WHEN 'gender' THEN c.gender
                 WHEN 'birth_date' THEN c.birth_date END, '') AS code,
             COALESCE(c.owner_id, '00000000-0000-0000-0000-000000000000') AS owner_id,
             COALESCE(c.team_id, '00000000-0000-0000-0000-000000000000') AS team_id
      FROM customers c
      CROSS JOIN (SELECT 'province' AS dimension UNION ALL SELECT 'industry'
                  UNION ALL SELECT 'size' UNION ALL SELECT 'lifecycle_stage'
                  UNION ALL SELECT 'source' UNION ALL SELECT 'kind' UNION ALL SELECT 'gender'
                  UNION ALL SELECT 'birth_date') d
      WHERE c.deleted_at IS NULL
      UNION ALL
      SELECT c.workspace_id, 'tag', COALESCE('=' || ct.tag_id, ''),
             COALESCE(c.owner_id, '00000000-0000-0000-0000-000000000000'),
             COALESCE(c.team_id, '00000000-0000-0000-0000-000000000000')
      FROM customers c
      LEFT JOIN customer_tags ct ON ct.workspace_id = c.workspace_id AND ct.customer_id = c.id
      WHERE c.deleted_at IS NULL) t
GROUP BY 1, 2, 3, 4, 5;
