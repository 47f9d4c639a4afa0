-- PostgreSQL only (trigram indexes for contact, lead and ticket search);
-- SQLite's embedded workspaces scan.
SELECT 1;
