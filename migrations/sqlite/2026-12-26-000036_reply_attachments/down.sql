ALTER TABLE ticket_attachments DROP COLUMN reply_id;
