ALTER TABLE deals DROP COLUMN forecast_category;
ALTER TABLE pipeline_stages DROP COLUMN forecast_category;
