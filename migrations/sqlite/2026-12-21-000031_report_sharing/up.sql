-- SQLite twin of migrations/postgres (jsonb as text).
-- Issue 18: a saved report keeps a folder, and reports and dashboards
-- are shared with chosen roles and teams (role and team ids as JSON
-- arrays, checked by crm_app before every write) besides `shared`, the
-- whole workspace. A team's share reaches the teams below it
-- (crm_domain::sharing).
ALTER TABLE reports ADD COLUMN folder text NULL;
ALTER TABLE reports ADD COLUMN share_roles text NOT NULL DEFAULT '[]';
ALTER TABLE reports ADD COLUMN share_teams text NOT NULL DEFAULT '[]';
ALTER TABLE dashboards ADD COLUMN share_roles text NOT NULL DEFAULT '[]';
ALTER TABLE dashboards ADD COLUMN share_teams text NOT NULL DEFAULT '[]';
