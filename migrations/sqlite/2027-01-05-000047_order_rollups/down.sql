DROP TABLE order_rollups;
