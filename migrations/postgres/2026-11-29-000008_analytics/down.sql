DROP INDEX customers_industry_idx;
DROP TABLE customer_metrics;
DROP TABLE analytics_settings;
