-- Issue 17, satisfaction (满意度): a survey sent for a ticket, answered
-- without signing in through a link holding a random single-use token
-- (only its SHA-256 is stored). The ticket's agent, team, type and channel
-- at the time of sending are kept for the analysis.
CREATE TABLE surveys (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    ticket_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    kind text NOT NULL,
    token_hash text NOT NULL,
    agent_id uuid NULL,
    team_id uuid NULL,
    ticket_type text NOT NULL,
    channel text NOT NULL,
    sent_by uuid NULL,
    sent_at timestamp NOT NULL,
    expires_at timestamp NOT NULL,
    answered_at timestamp NULL,
    score integer NULL,
    comment text NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, ticket_id) REFERENCES tickets (workspace_id, id) ON DELETE CASCADE,
    CHECK (kind IN ('csat', 'nps')),
    CHECK (score IS NULL OR (kind = 'csat' AND score BETWEEN 1 AND 5) OR (kind = 'nps' AND score BETWEEN 0 AND 10))
);
CREATE UNIQUE INDEX surveys_token_idx ON surveys (token_hash);
CREATE INDEX surveys_ticket_idx ON surveys (workspace_id, ticket_id);
CREATE INDEX surveys_answered_idx ON surveys (workspace_id, answered_at) WHERE answered_at IS NOT NULL;
