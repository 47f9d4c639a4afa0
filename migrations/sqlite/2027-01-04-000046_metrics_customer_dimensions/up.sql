-- Issue 19 (SQLite twin of migrations/postgres): each buyer's metrics row
-- carries its customer's values of every dimension the distribution map
-- groups by (kept by crm_db::metrics, like owner and team).
ALTER TABLE customer_metrics ADD COLUMN kind text NULL;
ALTER TABLE customer_metrics ADD COLUMN industry text NULL;
ALTER TABLE customer_metrics ADD COLUMN size_band text NULL;
ALTER TABLE customer_metrics ADD COLUMN lifecycle_stage text NULL;
ALTER TABLE customer_metrics ADD COLUMN source text NULL;
ALTER TABLE customer_metrics ADD COLUMN country_code text NULL;
ALTER TABLE customer_metrics ADD COLUMN province_code text NULL;
ALTER TABLE customer_metrics ADD COLUMN city_code text NULL;
ALTER TABLE customer_metrics ADD COLUMN district_code text NULL;
ALTER TABLE customer_metrics ADD COLUMN gender text NULL;
ALTER TABLE customer_metrics ADD COLUMN birth_date date NULL;

UPDATE customer_metrics
SET kind = c.kind, industry = c.industry, size_band = c.size_band,
    lifecycle_stage = c.lifecycle_stage, source = c.source, country_code = c.country_code,
    province_code = c.province_code, city_code = c.city_code, district_code = c.district_code,
    gender = c.gender, birth_date = c.birth_date
FROM customers c
WHERE c.workspace_id = customer_metrics.workspace_id AND c.id = customer_metrics.customer_id;
