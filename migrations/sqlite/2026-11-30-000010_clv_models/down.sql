DROP TABLE clv_models;
