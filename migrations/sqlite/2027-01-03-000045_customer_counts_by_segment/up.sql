-- Issue 19 (SQLite twin of migrations/postgres): the members of each RFM segment counted again under
-- each dimension's name followed by '@' and the segment ('province@champions'),
-- so a segment's portrait reads its spread from customer_counts too. Kept by
-- the customer and tag writes and by the metrics writes (crm_db::rollups::counts,
-- crm_db::metrics); here, the buyers already scored.
INSERT INTO customer_counts (workspace_id, dimension, code, owner_id, team_id, customers)
SELECT t.workspace_id, t.dimension, t.code, t.owner_id, t.team_id, COUNT(*)
FROM (SELECT c.workspace_id AS workspace_id, d.dimension || '@' || m.rfm_segment AS dimension,
             COALESCE('=' || CASE d.dimension WHEN 'province' THEN c.province_code
                 WHEN 'industry' THEN c.industry WHEN 'size' THEN c.size_band
                 WHEN 'lifecycle_stage' THEN c.lifecycle_stage WHEN 'source' THEN c.source
                 WHEN 'kind' THEN c.kind WHEN 'gender' THEN c.gender
                 WHEN 'birth_date' THEN c.birth_date END, '') AS code,
             COALESCE(c.owner_id, '00000000-0000-0000-0000-000000000000') AS owner_id,
             COALESCE(c.team_id, '00000000-0000-0000-0000-000000000000') AS team_id
      FROM customers c
      JOIN customer_metrics m ON m.workspace_id = c.workspace_id AND m.customer_id = c.id
                             AND m.rfm_segment IS NOT NULL
      CROSS JOIN (SELECT 'province' AS dimension UNION ALL SELECT 'industry'
                  UNION ALL SELECT 'size' UNION ALL SELECT 'lifecycle_stage'
                  UNION ALL SELECT 'source' UNION ALL SELECT 'kind' UNION ALL SELECT 'gender'
                  UNION ALL SELECT 'birth_date') d
      WHERE c.deleted_at IS NULL
      UNION ALL
      SELECT c.workspace_id, 'tag@' || m.rfm_segment, COALESCE('=' || ct.tag_id, ''),
             COALESCE(c.owner_id, '00000000-0000-0000-0000-000000000000'),
             COALESCE(c.team_id, '00000000-0000-0000-0000-000000000000')
      FROM customers c
      JOIN customer_metrics m ON m.workspace_id = c.workspace_id AND m.customer_id = c.id
                             AND m.rfm_segment IS NOT NULL
      LEFT JOIN customer_tags ct ON ct.workspace_id = c.workspace_id AND ct.customer_id = c.id
      WHERE c.deleted_at IS NULL) t
GROUP BY 1, 2, 3, 4, 5;
