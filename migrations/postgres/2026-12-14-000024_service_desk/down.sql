DROP TABLE service_settings;
DROP TABLE ticket_replies;
DROP TABLE tickets;
DROP INDEX contacts_workspace_id_key;
