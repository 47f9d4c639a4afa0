DROP TABLE sales_rollups;
