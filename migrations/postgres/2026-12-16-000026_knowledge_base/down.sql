DROP TABLE ticket_articles;
DROP TABLE articles;
