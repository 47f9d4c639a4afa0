//! The OpenAPI document (assembled from the handlers' annotations by
//! utoipa-actix-web), its security scheme, and the 404/405 fallback that
//! consults the same route list.

use actix_web::dev::ResourceDef;
use actix_web::{HttpRequest, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM API",
        description = "REST API of the CRM: customers, contacts, accounts and access.\n\n\
            Conventions: JSON in snake_case; errors are RFC 9457 `application/problem+json` with \
            per-field `errors`; lists are keyset-paginated (`limit`, `cursor`, `sort`); records carry \
            `version` and an `ETag`, and a stale `If-Match` is answered 412. Authenticate with \
            `Authorization: Bearer <access token or API key>`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
        version = "1.0.0"
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Sign-in, tokens and the current caller"),
        (name = "customers", description = "Organisations and people you sell to"),
        (name = "contacts", description = "People at organisation customers"),
        (name = "tags", description = "Static tags"),
        (name = "custom_fields", description = "Custom field definitions"),
        (name = "regions", description = "Countries and Chinese administrative divisions"),
        (name = "users", description = "Users of the workspace"),
        (name = "teams", description = "Team hierarchy"),
        (name = "roles", description = "Roles and permissions"),
        (name = "api_keys", description = "API keys for integrations"),
        (name = "changes", description = "The changes feed for incremental sync"),
        (name = "analytics", description = "Customer distribution and customer analytics"),
        (name = "segments", description = "Saved rule-based customer segments"),
        (name = "imports", description = "CSV import jobs: upload, map, dry run, run, errors"),
        (name = "health", description = "Liveness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT access token or crm_… API key")
                    .build(),
            ),
        );
    }
}

/// Adds the answers every operation can give, once the handlers' paths are
/// collected: 401 on authenticated operations, 500 and 503 everywhere, all
/// as problem+json.
pub struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let public = operation.security.as_ref().is_some_and(|s| {
                    s.iter()
                        .all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
                });
                let responses = &mut operation.responses.responses;
                if !public && !responses.contains_key("401") {
                    responses.insert(
                        "401".into(),
                        problem("Missing, invalid, expired or revoked credentials").into(),
                    );
                }
                responses.entry("500".into()).or_insert_with(|| {
                    problem("Unexpected error; the body names the request id").into()
                });
                responses
                    .entry("503".into())
                    .or_insert_with(|| problem("The database is unreachable").into());
            }
        }
    }
}

/// Every documented path with its methods, to tell 404 from 405.
pub struct RouteTable(Vec<(ResourceDef, Vec<String>)>);

impl RouteTable {
    pub fn new(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods: Vec<String> = [
                    (item.get.is_some(), "GET"),
                    (item.post.is_some(), "POST"),
                    (item.put.is_some(), "PUT"),
                    (item.patch.is_some(), "PATCH"),
                    (item.delete.is_some(), "DELETE"),
                ]
                .into_iter()
                .filter(|(present, _)| *present)
                .map(|(_, m)| m.to_owned())
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self(routes)
    }

    pub fn allowed(&self, path: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .flat_map(|(_, m)| m.clone())
            .collect()
    }
}

/// Unmatched requests: 405 with `Allow` when the path exists, else 404.
pub async fn fallback(
    req: HttpRequest,
    table: actix_web::web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let allow = table.allowed(req.path());
    if allow.is_empty() {
        Err(ApiError::NotFound)
    } else {
        Err(ApiError::MethodNotAllowed { allow })
    }
}

/// `/api/docs` → `/api/docs/` (Swagger UI loads its assets relative to the slash).
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header(("Location", "/api/docs/"))
        .finish()
}
