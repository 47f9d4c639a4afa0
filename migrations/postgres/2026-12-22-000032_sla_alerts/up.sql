-- Issue 17: SLA warnings and escalations. A sweep job records each alert
-- once per ticket, clock (first_response / resolution), kind (warning:
-- the clock is at risk; breach: it ran out) and due time, then mails the
-- assignee (a warning) or the team's manager and the assignee (a breach).
-- A due time that moves (a priority change, a reopen) may alert again.
CREATE TABLE sla_alerts (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    ticket_id uuid NOT NULL,
    clock text NOT NULL CHECK (clock IN ('first_response', 'resolution')),
    kind text NOT NULL CHECK (kind IN ('warning', 'breach')),
    due_at timestamp NOT NULL,
    notified jsonb NOT NULL DEFAULT '[]',
    created_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX sla_alerts_ticket_key ON sla_alerts (workspace_id, ticket_id, clock, kind, due_at);
