DROP TABLE product_rollups;
