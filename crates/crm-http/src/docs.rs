//! The OpenAPI document (assembled from the handlers' annotations by
//! utoipa-actix-web), its security scheme and operation ids, and the 404/405
//! answers that consult the same route list.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
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

/// Names every operation `<feature>_<verb>` (`customers_list`,
/// `customers_upsert_by_external_id`) from the first segment of its path
/// and its handler's name, so ids are unique across the document and stable
/// across releases (tags group operations for people and may span features:
/// pipelines sit under `deals`). Handler names that read differently on the
/// wire are translated once here.
pub fn name_operations(openapi: &mut utoipa::openapi::OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        // `/admin/backups/…` belongs to `backups`.
        let feature = path
            .trim_start_matches("/api/v1/")
            .trim_start_matches("/api/")
            .trim_start_matches("admin/")
            .split('/')
            .next()
            .unwrap_or("api")
            .replace('-', "_");
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let handler = operation.operation_id.clone().unwrap_or_default();
            let verb = match handler.as_str() {
                "remove" => "delete",
                "read" => "get",
                "put" => "upsert_by_external_id",
                "export" => "export_csv",
                other => other,
            };
            operation.operation_id = Some(
                if verb == feature || verb.starts_with(&format!("{feature}_")) {
                    verb.to_owned()
                } else {
                    format!("{feature}_{verb}")
                },
            );
        }
    }
}

/// Operation ids used more than once (empty when the document is sound).
pub fn duplicate_operation_ids(openapi: &utoipa::openapi::OpenApi) -> Vec<String> {
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for item in openapi.paths.paths.values() {
        let operations = [&item.get, &item.post, &item.put, &item.patch, &item.delete];
        for operation in operations.into_iter().flatten() {
            let id = operation.operation_id.clone().unwrap_or_default();
            *seen.entry(id).or_default() += 1;
        }
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(id, _)| id)
        .collect()
}

/// Every documented path with its methods, to tell 404 from 405.
pub struct RouteTable(Vec<(ResourceDef, usize, Vec<String>)>);

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
                let variables = path.matches('{').count();
                (ResourceDef::new(path.as_str()), variables, methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods of the most specific documented path matching `path`:
    /// `/customers/batch` is a path of its own, not an id of `/customers/{id}`.
    pub fn allowed(&self, path: &str) -> Vec<String> {
        let matches: Vec<_> = self
            .0
            .iter()
            .filter(|(def, _, _)| def.is_match(path))
            .collect();
        let Some(fewest) = matches.iter().map(|(_, n, _)| *n).min() else {
            return Vec::new();
        };
        let mut allow: Vec<String> = matches
            .into_iter()
            .filter(|(_, n, _)| *n == fewest)
            .flat_map(|(_, _, m)| m.clone())
            .collect();
        allow.dedup();
        allow
    }

    /// True when a less specific path (`/customers/{id}`) would take a
    /// method the path itself (`/customers/batch`) does not answer.
    fn shadowed(&self, path: &str, method: &str) -> bool {
        self.0
            .iter()
            .any(|(def, _, m)| def.is_match(path) && m.iter().any(|x| x == method))
    }
}

/// Answers 405 with the right `Allow` before routing when a fixed path
/// (`/customers/batch`, `/customers/export`) is asked a method only its
/// templated neighbour (`/customers/{id}`) answers; otherwise actix would
/// route `GET /customers/batch` to `GET /customers/{id}` and refuse the id.
pub async fn wrong_method(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.path().starts_with("/api/")
        && let Some(table) = req.app_data::<actix_web::web::Data<RouteTable>>()
    {
        let method = req.method().as_str();
        let allow = table.allowed(req.path());
        if !allow.is_empty()
            && !allow.iter().any(|m| m == method)
            && table.shadowed(req.path(), method)
        {
            let response = ApiError::MethodNotAllowed { allow }.error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
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
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/api/docs/"))
        .finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_id_is_unique_and_names_its_feature() {
        let spec = crate::openapi();
        assert_eq!(super::duplicate_operation_ids(&spec), Vec::<String>::new());
        let item = &spec.paths.paths["/api/v1/customers/by-external-id/{external_id}"];
        let put = item.put.as_ref().and_then(|o| o.operation_id.as_deref());
        assert_eq!(put, Some("customers_upsert_by_external_id"));
        let get = item.get.as_ref().and_then(|o| o.operation_id.as_deref());
        assert_eq!(get, Some("customers_get_by_external_id"));
    }

    #[test]
    fn a_fixed_path_allows_its_own_methods_not_its_templated_neighbours() {
        let table = super::RouteTable::new(&crate::openapi());
        assert_eq!(table.allowed("/api/v1/customers/export"), ["GET"]);
        assert_eq!(table.allowed("/api/v1/customers/batch"), ["POST"]);
        assert!(table.shadowed("/api/v1/customers/batch", "GET"));
        assert_eq!(
            table.allowed("/api/v1/customers/0190a1b2-0000-7000-8000-000000000000"),
            ["GET", "PATCH", "DELETE"]
        );
    }
}
