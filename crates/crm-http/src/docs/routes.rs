//! The route table the documented paths make, and the answers that consult
//! it: 405 with `Allow` for a method a path does not take (also when a fixed
//! path such as `/customers/batch` would fall into `/customers/{id}`), 404
//! otherwise, and the `/api/docs` redirect.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::error::ApiError;

/// Every documented path with its methods, to tell 404 from 405. Consulted
/// on every API request, so a path is matched only against the templates
/// that share its literal start and its number of segments (a few of the
/// hundreds), not against each template's pattern.
pub struct RouteTable(Vec<Route>);

struct Route {
    /// The template's segments: a literal, or `None` for a `{…}` variable.
    /// A template with a variable inside a segment (`{name}.csv`) keeps its
    /// actix pattern in `def` instead.
    parts: Vec<Option<String>>,
    def: Option<ResourceDef>,
    /// How many `{…}` segments: the fewest is the most specific match.
    variables: usize,
    methods: Vec<String>,
    /// The template up to its first variable: every matching path starts so.
    prefix: String,
    segments: usize,
}

impl Route {
    fn new(path: &str, methods: Vec<String>) -> Self {
        let whole = |part: &str| {
            part.starts_with('{') && part.ends_with('}') && part.matches('{').count() == 1
        };
        let simple = path
            .split('/')
            .all(|part| !part.contains(['{', '}']) || whole(part));
        Route {
            parts: path
                .split('/')
                .map(|part| (!whole(part)).then(|| part.to_owned()))
                .collect(),
            def: (!simple).then(|| ResourceDef::new(path)),
            variables: path.matches('{').count(),
            methods,
            prefix: path.split('{').next().unwrap_or_default().to_owned(),
            segments: path.matches('/').count(),
        }
    }

    /// As actix matches: a variable takes one whole, non-empty segment.
    fn is_match(&self, path: &str) -> bool {
        if !path.starts_with(&self.prefix) || path.matches('/').count() != self.segments {
            return false;
        }
        if let Some(def) = &self.def {
            return def.is_match(path);
        }
        path.split('/')
            .zip(&self.parts)
            .all(|(segment, part)| match part {
                Some(literal) => segment == literal,
                None => !segment.is_empty(),
            })
    }
}

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
                Route::new(path, methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods of the most specific documented path matching `path`:
    /// `/customers/batch` is a path of its own, not an id of `/customers/{id}`.
    pub fn allowed(&self, path: &str) -> Vec<String> {
        let matches: Vec<&Route> = self.0.iter().filter(|r| r.is_match(path)).collect();
        let mut allow: Vec<String> = most_specific(&matches)
            .flat_map(|r| r.methods.clone())
            .collect();
        allow.dedup();
        allow
    }

    /// The `Allow` of a 405 when `method` is not one of `path`'s own
    /// (see [`RouteTable::allowed`]) but a less specific path
    /// (`/customers/{id}`) would take it for the fixed path (`/customers/batch`).
    pub(super) fn shadowed_allow(&self, path: &str, method: &str) -> Option<Vec<String>> {
        // Walked again rather than collected: the common answer (the method
        // is the path's own) then allocates nothing.
        let matching = || self.0.iter().filter(|r| r.is_match(path));
        let fewest = matching().map(|r| r.variables).min()?;
        let takes = |r: &Route| r.methods.iter().any(|m| m == method);
        if matching().any(|r| r.variables == fewest && takes(r)) || !matching().any(takes) {
            return None;
        }
        Some(self.allowed(path))
    }
}

/// The routes among `matches` with the fewest variables.
fn most_specific<'a>(matches: &'a [&'a Route]) -> impl Iterator<Item = &'a Route> {
    let fewest = matches.iter().map(|r| r.variables).min();
    matches
        .iter()
        .copied()
        .filter(move |r| Some(r.variables) == fewest)
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
        && let Some(allow) = table.shadowed_allow(req.path(), req.method().as_str())
    {
        let response = ApiError::MethodNotAllowed { allow }.error_response();
        return Ok(req.into_response(response).map_into_right_body());
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
