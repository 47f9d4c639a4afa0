-- A per-workspace counter that every change to who may do what advances
-- (users, roles, API keys), kept by triggers; see the PostgreSQL migration.
CREATE TABLE auth_versions (
    workspace_id text PRIMARY KEY NOT NULL,
    version integer NOT NULL DEFAULT 0
);

CREATE TRIGGER users_auth_version_insert AFTER INSERT ON users BEGIN
    INSERT OR IGNORE INTO auth_versions (workspace_id, version) VALUES (NEW.workspace_id, 0);
    UPDATE auth_versions SET version = version + 1 WHERE workspace_id = NEW.workspace_id;
END;

CREATE TRIGGER users_auth_version_update AFTER UPDATE ON users BEGIN
    INSERT OR IGNORE INTO auth_versions (workspace_id, version) VALUES (NEW.workspace_id, 0);
    UPDATE auth_versions SET version = version + 1 WHERE workspace_id = NEW.workspace_id;
END;

CREATE TRIGGER users_auth_version_delete AFTER DELETE ON users BEGIN
    INSERT OR IGNORE INTO auth_versions (workspace_id, version) VALUES (OLD.workspace_id, 0);
    UPDATE auth_versions SET version = version + 1 WHERE workspace_id = OLD.workspace_id;
END;

CREATE TRIGGER roles_auth_version_insert AFTER INSERT ON roles BEGIN
    INSERT OR IGNORE INTO auth_versions (workspace_id, version) VALUES (NEW.workspace_id, 0);
    UPDATE auth_versions SET version = version + 1 WHERE workspace_id = NEW.workspace_id;
END;

CREATE TRIGGER roles_auth_version_update AFTER UPDATE ON roles BEGIN
    INSERT OR IGNORE INTO auth_versions (workspace_id, version) VALUES (NEW.workspace_id, 0);
    UPDATE auth_versions SET version = version + 1 WHERE workspace_id = NEW.workspace_id;
END;

CREATE TRIGGER roles_auth_version_delete AFTER DELETE ON roles BEGIN
    INSERT OR IGNORE INTO auth_versions (workspace_id, version) VALUES (OLD.workspace_id, 0);
    UPDATE auth_versions SET version = version + 1 WHERE workspace_id = OLD.workspace_id;
END;

CREATE TRIGGER api_keys_auth_version_insert AFTER INSERT ON api_keys BEGIN
    INSERT OR IGNORE INTO auth_versions (workspace_id, version) VALUES (NEW.workspace_id, 0);
    UPDATE auth_versions SET version = version + 1 WHERE workspace_id = NEW.workspace_id;
END;

-- last_used_at is written as keys are used and changes nobody's rights.
CREATE TRIGGER api_keys_auth_version_update AFTER UPDATE OF role_id, user_id, secret_hash, expires_at, revoked_at ON api_keys BEGIN
    INSERT OR IGNORE INTO auth_versions (workspace_id, version) VALUES (NEW.workspace_id, 0);
    UPDATE auth_versions SET version = version + 1 WHERE workspace_id = NEW.workspace_id;
END;

CREATE TRIGGER api_keys_auth_version_delete AFTER DELETE ON api_keys BEGIN
    INSERT OR IGNORE INTO auth_versions (workspace_id, version) VALUES (OLD.workspace_id, 0);
    UPDATE auth_versions SET version = version + 1 WHERE workspace_id = OLD.workspace_id;
END;
