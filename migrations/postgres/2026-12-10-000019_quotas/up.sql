-- Issue 16, quotas (预算达成): a target per user or per team (covering the
-- teams below it) for a month or quarter, on one metric. One quota per
-- holder, metric and period.
CREATE TABLE quotas (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    user_id uuid NULL,
    team_id uuid NULL,
    metric text NOT NULL,
    period text NOT NULL,
    starts_on date NOT NULL,
    target bigint NOT NULL,
    created_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id) ON DELETE CASCADE,
    CHECK ((user_id IS NULL) <> (team_id IS NULL)),
    CHECK (target >= 0)
);
CREATE UNIQUE INDEX quotas_user_key ON quotas (workspace_id, user_id, metric, period, starts_on)
    WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX quotas_team_key ON quotas (workspace_id, team_id, metric, period, starts_on)
    WHERE team_id IS NOT NULL;
CREATE INDEX quotas_period_idx ON quotas (workspace_id, starts_on);
