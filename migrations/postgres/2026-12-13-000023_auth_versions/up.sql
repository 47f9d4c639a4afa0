-- A per-workspace counter that every change to who may do what advances
-- (users, roles, API keys), kept by triggers so that no write path can
-- forget it. Each server caches a principal with the counter it saw and
-- reloads it when the counter moved: one indexed read per request instead
-- of the user, the role and the key, and never stale across servers.
-- No foreign key: a workspace's deletion cascades to its users, whose
-- triggers must not touch a row being deleted.
CREATE TABLE auth_versions (
    workspace_id uuid PRIMARY KEY,
    version bigint NOT NULL DEFAULT 0
);

CREATE FUNCTION bump_auth_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ws uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        ws := OLD.workspace_id;
    ELSE
        ws := NEW.workspace_id;
    END IF;
    INSERT INTO auth_versions (workspace_id, version) VALUES (ws, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = auth_versions.version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_auth_version AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION bump_auth_version();
CREATE TRIGGER roles_auth_version AFTER INSERT OR UPDATE OR DELETE ON roles
    FOR EACH ROW EXECUTE FUNCTION bump_auth_version();
-- last_used_at is written as keys are used and changes nobody's rights.
CREATE TRIGGER api_keys_auth_version
    AFTER INSERT OR DELETE OR UPDATE OF role_id, user_id, secret_hash, expires_at, revoked_at
    ON api_keys FOR EACH ROW EXECUTE FUNCTION bump_auth_version();
