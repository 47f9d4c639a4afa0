-- Issue 17: a public reply or note carries files. An attachment uploaded
-- to the ticket is linked to the reply it was sent with (NULL: the ticket's own).
ALTER TABLE ticket_attachments ADD COLUMN reply_id uuid;
