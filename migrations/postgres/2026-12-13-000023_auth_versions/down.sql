DROP TRIGGER api_keys_auth_version ON api_keys;
DROP TRIGGER roles_auth_version ON roles;
DROP TRIGGER users_auth_version ON users;
DROP FUNCTION bump_auth_version();
DROP TABLE auth_versions;
