DELETE FROM customer_counts WHERE dimension LIKE '%@%';
