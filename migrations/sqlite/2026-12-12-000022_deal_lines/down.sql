DROP TABLE deal_lines;
