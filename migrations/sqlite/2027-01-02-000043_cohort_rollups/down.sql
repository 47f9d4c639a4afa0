DROP TABLE cohort_rollups;
