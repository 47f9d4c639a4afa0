-- Issue 19: each buyer's metrics row carries its customer's values of every
-- dimension the distribution map groups by (region to the district,
-- industry, size, lifecycle stage, source, kind, gender, birth date), as it
-- carries owner and team (000042). The map's lifetime value and churn rate,
-- the KPIs, the RFM summary and the portraits then read the buyers' rows
-- alone under a filter or grouping by any of them, instead of joining them
-- with a million customers. Kept by crm_db::metrics like owner and team:
-- the order writes' refresh, and the customer writes that change them.
ALTER TABLE customer_metrics
    ADD COLUMN kind text NULL,
    ADD COLUMN industry text NULL,
    ADD COLUMN size_band text NULL,
    ADD COLUMN lifecycle_stage text NULL,
    ADD COLUMN source text NULL,
    ADD COLUMN country_code text NULL,
    ADD COLUMN province_code text NULL,
    ADD COLUMN city_code text NULL,
    ADD COLUMN district_code text NULL,
    ADD COLUMN gender text NULL,
    ADD COLUMN birth_date date NULL;

UPDATE customer_metrics m
SET kind = c.kind, industry = c.industry, size_band = c.size_band,
    lifecycle_stage = c.lifecycle_stage, source = c.source, country_code = c.country_code,
    province_code = c.province_code, city_code = c.city_code, district_code = c.district_code,
    gender = c.gender, birth_date = c.birth_date
FROM customers c
WHERE c.workspace_id = m.workspace_id AND c.id = m.customer_id;
