ALTER TABLE customer_metrics DROP COLUMN kind, DROP COLUMN industry, DROP COLUMN size_band,
    DROP COLUMN lifecycle_stage, DROP COLUMN source, DROP COLUMN country_code,
    DROP COLUMN province_code, DROP COLUMN city_code, DROP COLUMN district_code,
    DROP COLUMN gender, DROP COLUMN birth_date;
