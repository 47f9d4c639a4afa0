//! Who is asking: password sign-in (throttled per account and address),
//! refresh-token rotation with reuse detection, sign-out, authenticating a
//! bearer credential (an access token, or an API key acting as its creator
//! with at most its creator's rights) into an [`Authenticated`] user, and the
//! principal's profile. The transport only carries the credentials and the
//! client address here; the tokens are made by [`crate::security`].

use std::sync::Arc;

use crm_api_types::auth::{
    LoginRequest, Me, RoleSummary, SignInOptions, TeamSummary, TokenResponse, UserSummary,
    WorkspaceSummary,
};
use crm_db::AnyConnection;
use crm_db::auth::{clear_failures, release_attempt};
use crm_db::roles::RoleRow;
use crm_db::users::UserRow;
use subtle::ConstantTimeEq;
use uuid::Uuid;

mod principals;

pub use principals::Principals;
use principals::{Credential, Entry, KeyUse};

use crate::security::{
    Claims, TokenKeys, api_key_prefix, hash_password, random_token, sha256_hex, verify_password,
};
use crate::throttle::{self, Counter, Throttles, account_key};
use crate::{Actor, AppError, Via};

/// Verified against when the account does not exist, so both cases cost the same.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("not-a-real-password").unwrap_or_default());

fn invalid_credentials() -> AppError {
    AppError::Unauthorized("the credentials are invalid, expired or revoked".into())
}

fn invalid_refresh() -> AppError {
    AppError::Unauthorized("the refresh token is invalid, expired or revoked".into())
}

/// An authenticated user: the [`Actor`] the use cases take, the user and
/// the role it acts with (an API key's role when it came through a key),
/// and the key's id.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub user: UserRow,
    pub role: RoleRow,
    pub api_key: Option<Uuid>,
}

impl std::ops::Deref for Authenticated {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.actor
    }
}

/// The principal a user is, acting with `key` (an API key's id and role)
/// when given: `NotFound` for an unknown or deactivated user.
pub fn load(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    user_id: Uuid,
    key: Option<(Uuid, Uuid)>,
) -> Result<Authenticated, AppError> {
    let (user, user_role, key_role) =
        Actor::rows(conn, workspace_id, user_id, key.map(|(_, role)| role))?;
    let via = if key.is_some() { Via::ApiKey } else { Via::Web };
    let actor = Actor::of(&user, &user_role, key_role.as_ref(), via);
    Ok(Authenticated {
        actor,
        role: key_role.unwrap_or(user_role),
        user,
        api_key: key.map(|(id, _)| id),
    })
}

/// An API key by its presented text; `Ok(Err)` for an unknown, revoked or
/// expired key, so that the failure can be counted.
fn api_key(
    conn: &mut AnyConnection,
    token: &str,
    prefix: &str,
) -> Result<Result<crm_db::api_keys::ApiKeyRow, AppError>, AppError> {
    let Some(key) = crm_db::api_keys::find_by_prefix(conn, prefix)? else {
        return Ok(Err(invalid_credentials()));
    };
    let matches: bool = sha256_hex(token)
        .as_bytes()
        .ct_eq(key.secret_hash.as_bytes())
        .into();
    let expired = key.expires_at.is_some_and(|t| t <= crm_db::time::now());
    if !matches || key.revoked_at.is_some() || expired {
        return Ok(Err(invalid_credentials()));
    }
    Ok(Ok(key))
}

/// A bearer credential as presented, its form checked without the
/// database: an API key's text (`crm_…`), or an access token whose signature
/// and expiry have been verified. [`authenticate_presented`] turns it into a
/// principal; checking first lets a read refuse a bad token before it takes
/// a connection, and authenticate inside its own database call.
#[derive(Debug, Clone)]
pub enum Presented {
    ApiKey(String),
    Token(Claims),
}

impl Presented {
    /// `Unauthorized` for an access token that is not valid now (an API
    /// key is only checked against the database).
    pub fn check(keys: &TokenKeys, token: &str) -> Result<Self, AppError> {
        if api_key_prefix(token).is_some() {
            return Ok(Self::ApiKey(token.to_owned()));
        }
        let claims = keys.verify(token).map_err(|_| invalid_credentials())?;
        Ok(Self::Token(claims))
    }
}

/// The principal behind a bearer credential: [`Presented::check`] then
/// [`authenticate_presented`].
pub fn authenticate(
    conn: &mut AnyConnection,
    keys: &TokenKeys,
    throttles: &Throttles,
    principals: &Principals,
    token: &str,
    address: &str,
) -> Result<Arc<Authenticated>, AppError> {
    let presented = Presented::check(keys, token)?;
    authenticate_presented(conn, throttles, principals, &presented, address)
}

/// The principal behind a checked credential: an API key (failures from
/// one address are throttled like sign-ins) or an access token.
/// `Unauthorized` for anything not valid now. A principal cached in
/// `principals` is used while the workspace's access counter has not moved
/// since it was loaded (one indexed read instead of the user, the role and
/// the key). The principal is shared with the cache, not copied: a request
/// clones one pointer, not the role's grants.
pub fn authenticate_presented(
    conn: &mut AnyConnection,
    throttles: &Throttles,
    principals: &Principals,
    presented: &Presented,
    address: &str,
) -> Result<Arc<Authenticated>, AppError> {
    let claims = match presented {
        Presented::Token(claims) => claims,
        Presented::ApiKey(token) => {
            let prefix = api_key_prefix(token).ok_or_else(invalid_credentials)?;
            return authenticate_key(conn, throttles, principals, token, prefix, address);
        }
    };
    let credential = Credential::Token {
        workspace: claims.wid,
        user: claims.sub,
    };
    // The counter is read before the rows, so an entry never holds rows
    // older than its counter.
    let version = crm_db::auth::access_version(conn, claims.wid)?;
    if let Some(entry) = principals.get(&credential).filter(|e| e.version == version) {
        return Ok(entry.principal);
    }
    let principal = match load(conn, claims.wid, claims.sub, None) {
        Err(AppError::NotFound) => return Err(invalid_credentials()),
        other => Arc::new(other?),
    };
    principals.put(
        credential,
        Entry {
            version,
            principal: principal.clone(),
            key: None,
        },
    );
    Ok(principal)
}

/// Runs `read` as the principal behind a checked credential, first as the
/// one this process cached for an access token, with no statement to
/// authorise it. A read may return the workspace's access counter as its own
/// statement saw it (`None` if it has none: the counter is then read after
/// it). The counter only grows, so while it equals the one the cached
/// principal was loaded at, nothing that grants or takes away rights had
/// changed when the read ran, and its answer — a refusal or a 404 too — is
/// the one the current rights give. Otherwise the credential is
/// authenticated ([`authenticate_presented`]) and `read` runs again: `read`
/// must be safe to repeat. An API key, whose use is recorded, always takes
/// that second way.
pub fn read_as<T>(
    conn: &mut AnyConnection,
    throttles: &Throttles,
    principals: &Principals,
    presented: &Presented,
    address: &str,
    read: impl Fn(&mut AnyConnection, &Arc<Authenticated>) -> Result<(T, Option<i64>), AppError>,
) -> Result<T, AppError> {
    if let Presented::Token(claims) = presented {
        let credential = Credential::Token {
            workspace: claims.wid,
            user: claims.sub,
        };
        if let Some(entry) = principals.get(&credential) {
            let answer = read(conn, &entry.principal);
            let seen = match &answer {
                Ok((_, Some(seen))) => *seen,
                _ => crm_db::auth::access_version(conn, claims.wid)?,
            };
            if seen == entry.version {
                return answer.map(|(value, _)| value);
            }
        }
    }
    let principal = authenticate_presented(conn, throttles, principals, presented, address)?;
    read(conn, &principal).map(|(value, _)| value)
}

/// An API key's principal (see [`authenticate`]); its use is written at most
/// once a minute.
fn authenticate_key(
    conn: &mut AnyConnection,
    throttles: &Throttles,
    principals: &Principals,
    token: &str,
    prefix: &str,
    address: &str,
) -> Result<Arc<Authenticated>, AppError> {
    let throttle_key = Counter::ApiKeyAddress.key(address);
    throttle::check(conn, &throttle_key)?;
    let credential = Credential::ApiKey(sha256_hex(token));
    if let Some(mut entry) = principals.get(&credential) {
        let version = crm_db::auth::access_version(conn, entry.principal.workspace_id)?;
        let now = crm_db::time::now();
        if let Some(key) = entry
            .key
            .as_mut()
            .filter(|k| version == entry.version && k.expires_at.is_none_or(|t| t > now))
        {
            crm_db::api_keys::touch(conn, key.id, key.last_used_at)?;
            if key
                .last_used_at
                .is_none_or(|t| now - t >= chrono::Duration::minutes(1))
            {
                key.last_used_at = Some(now);
                let principal = entry.principal.clone();
                principals.put(credential, entry);
                return Ok(principal);
            }
            return Ok(entry.principal);
        }
    }
    // Found once for its workspace, then again after the counter was read,
    // so that the entry never holds a key row older than its counter.
    let version = match crm_db::api_keys::find_by_prefix(conn, prefix)? {
        Some(key) => crm_db::auth::access_version(conn, key.workspace_id.0)?,
        None => 0,
    };
    let key = match api_key(conn, token, prefix)? {
        Ok(key) => key,
        Err(refused) => {
            return Err(throttle::failed(
                conn,
                &throttle_key,
                throttles.address,
                refused,
            ));
        }
    };
    crm_db::api_keys::touch(conn, key.id.0, key.last_used_at)?;
    let principal = match load(
        conn,
        key.workspace_id.0,
        key.user_id.0,
        Some((key.id.0, key.role_id.0)),
    ) {
        Err(AppError::NotFound) => return Err(invalid_credentials()),
        other => Arc::new(other?),
    };
    principals.put(
        credential,
        Entry {
            version,
            principal: principal.clone(),
            key: Some(KeyUse {
                id: key.id.0,
                expires_at: key.expires_at,
                last_used_at: Some(crm_db::time::now()),
            }),
        },
    );
    Ok(principal)
}

/// Issues an access token and a refresh token in the given family.
fn issue_tokens(
    conn: &mut AnyConnection,
    keys: &TokenKeys,
    workspace_id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
) -> Result<TokenResponse, AppError> {
    let refresh_token = random_token().map_err(AppError::Internal)?;
    let expires = crm_db::time::now() + chrono::Duration::days(keys.refresh_ttl_days);
    crm_db::auth::insert_refresh(
        conn,
        workspace_id,
        user_id,
        family_id,
        &sha256_hex(&refresh_token),
        expires,
    )?;
    Ok(TokenResponse {
        access_token: keys
            .issue(user_id, workspace_id)
            .map_err(AppError::Internal)?,
        refresh_token: Some(refresh_token),
        token_type: "Bearer".to_owned(),
        expires_in: keys.access_ttl_secs,
    })
}

/// What the sign-in page should ask for, and whether to show the demo logins.
pub fn options(conn: &mut AnyConnection) -> Result<SignInOptions, AppError> {
    Ok(SignInOptions {
        workspace_required: crm_db::workspaces::sole(conn)?.is_none(),
        demo: crm_db::workspaces::find_by_slug(conn, crm_domain::DEMO_WORKSPACE)?.is_some(),
    })
}

/// Signs in with e-mail and password from `address`. The attempt is counted
/// against the account and the address before the password is checked, so
/// concurrent guesses beyond the limit are refused without a check; the
/// same cost is paid whether or not the account exists.
pub fn sign_in(
    conn: &mut AnyConnection,
    keys: &TokenKeys,
    throttles: &Throttles,
    request: LoginRequest,
    address: &str,
) -> Result<TokenResponse, AppError> {
    let workspace = match &request.workspace {
        Some(slug) => crm_db::workspaces::find_by_slug(conn, slug.trim())?,
        None => crm_db::workspaces::sole(conn)?.map(Some).ok_or_else(|| {
            AppError::validation(
                "workspace",
                "is required: this server has several workspaces",
            )
        })?,
    };
    let email = request.email.trim().to_lowercase();
    let workspace_key = workspace.as_ref().map_or_else(
        || request.workspace.clone().unwrap_or_default(),
        |w| w.id.to_string(),
    );
    let account = account_key(&workspace_key, &email);
    let address = Counter::SignInAddress.key(address);
    throttle::count(
        conn,
        &[(&account, throttles.account), (&address, throttles.address)],
    )?;
    let user = match &workspace {
        Some(w) => crm_db::users::find_by_email(conn, w.id.0, &email)?,
        None => None,
    };
    let hash = user
        .as_ref()
        .map_or(DUMMY_HASH.as_str(), |u| u.password_hash.as_str());
    let password_ok = verify_password(&request.password, hash);
    let (Some(workspace), Some(user), true) = (workspace, user.filter(|u| u.active), password_ok)
    else {
        return Err(AppError::Unauthorized(
            "wrong workspace, e-mail or password".into(),
        ));
    };
    clear_failures(conn, &account)?;
    release_attempt(conn, &address)?;
    issue_tokens(conn, keys, workspace.id.0, user.id.0, Uuid::now_v7())
}

/// Spends a refresh token presented from `address` and issues new tokens
/// in its family. Each token works once: presenting a spent one again
/// revokes every token of the same sign-in (it was probably stolen).
///
/// `Ok(Err)` is a refused token: the revocation (and the counted failure)
/// must be kept, so the caller commits and answers the error.
pub fn refresh(
    conn: &mut AnyConnection,
    keys: &TokenKeys,
    throttles: &Throttles,
    presented: &str,
    address: &str,
) -> Result<Result<TokenResponse, AppError>, AppError> {
    let throttle_key = Counter::RefreshAddress.key(address);
    throttle::check(conn, &throttle_key)?;
    Ok(match spend(conn, keys, presented)? {
        Err(refused) => Err(throttle::failed(
            conn,
            &throttle_key,
            throttles.address,
            refused,
        )),
        ok => ok,
    })
}

fn spend(
    conn: &mut AnyConnection,
    keys: &TokenKeys,
    presented: &str,
) -> Result<Result<TokenResponse, AppError>, AppError> {
    let Some(token) = crm_db::auth::find_refresh(conn, &sha256_hex(presented))? else {
        return Ok(Err(invalid_refresh()));
    };
    let reused = token.used_at.is_some() || !crm_db::auth::spend_refresh(conn, token.id.0)?;
    if reused || token.revoked_at.is_some() {
        crm_db::auth::revoke_family(conn, token.workspace_id.0, token.family_id.0)?;
        return Ok(Err(invalid_refresh()));
    }
    if token.expires_at <= crm_db::time::now() {
        return Ok(Err(invalid_refresh()));
    }
    match crm_db::users::find(conn, token.workspace_id.0, token.user_id.0) {
        Ok(user) if user.active => {}
        _ => return Ok(Err(invalid_refresh())),
    }
    let (workspace, user, family) = (token.workspace_id.0, token.user_id.0, token.family_id.0);
    issue_tokens(conn, keys, workspace, user, family).map(Ok)
}

/// Signs out: revokes the whole family of a refresh token, if it is known.
pub fn sign_out(conn: &mut AnyConnection, presented: &str) -> Result<(), AppError> {
    if let Some(token) = crm_db::auth::find_refresh(conn, &sha256_hex(presented))? {
        crm_db::auth::revoke_family(conn, token.workspace_id.0, token.family_id.0)?;
    }
    Ok(())
}

/// The principal's profile: user, workspace, role with every permission, team.
pub fn me(conn: &mut AnyConnection, who: &Authenticated) -> Result<Me, AppError> {
    let workspace = crm_db::workspaces::find(conn, who.actor.workspace_id)?;
    let team = match who.actor.team_id {
        Some(id) => Some(crm_db::teams::find(conn, who.actor.workspace_id, id)?),
        None => None,
    };
    Ok(Me {
        user: UserSummary {
            id: who.user.id.0,
            email: who.user.email.clone(),
            display_name: who.user.display_name.clone(),
        },
        workspace: WorkspaceSummary {
            id: workspace.id.0,
            slug: workspace.slug,
            name: workspace.name,
        },
        role: RoleSummary {
            id: who.role.id.0,
            key: who.role.key.clone(),
            name: who.role.name.clone(),
        },
        team: team.map(|t| TeamSummary {
            id: t.id.0,
            name: t.name,
        }),
        permissions: who.actor.permissions.complete(),
        auth: match who.api_key {
            Some(_) => "api_key".to_owned(),
            None => "jwt".to_owned(),
        },
    })
}
