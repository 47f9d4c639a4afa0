-- PostgreSQL only (trigram indexes for contact and lead search); SQLite's
-- embedded workspaces scan.
SELECT 1;
