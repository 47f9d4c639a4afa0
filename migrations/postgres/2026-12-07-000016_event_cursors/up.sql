-- Issue 15, events: every consumer of the change log (the event outbox)
-- keeps its own position per workspace: the last `seq` it has handled,
-- advanced in the transaction that handles the entries. A notification
-- only wakes consumers; this cursor is the truth. Keys per DESIGN §2.
CREATE TABLE event_cursors (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    consumer text NOT NULL,
    position bigint NOT NULL DEFAULT 0,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT event_cursors_consumer_key UNIQUE (workspace_id, consumer)
);
