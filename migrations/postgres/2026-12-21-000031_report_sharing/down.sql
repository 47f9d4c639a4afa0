ALTER TABLE dashboards DROP COLUMN share_teams;
ALTER TABLE dashboards DROP COLUMN share_roles;
ALTER TABLE reports DROP COLUMN share_teams;
ALTER TABLE reports DROP COLUMN share_roles;
ALTER TABLE reports DROP COLUMN folder;
