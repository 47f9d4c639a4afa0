//! The OpenAPI document: assembled from the handlers' annotations by
//! utoipa-actix-web, completed with what every operation shares (statuses,
//! headers, security schemes, header formats: `answers`), its operation ids,
//! and the 404/405 answers that consult the same route list (`routes`).

mod answers;
mod routes;
mod shapes;

pub use answers::complete;
pub use routes::{RouteTable, docs_redirect, fallback, wrong_method};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM API",
        description = "The REST API of an open-source CRM for Chinese and international companies: \
            the customer master (organisations, people, contacts, tags, custom fields, owners, teams, \
            regions to the district), leads, pipelines and deals, activities, products and orders, \
            customer analytics (distribution, RFM, CLV, churn, cohorts, segments), CSV imports and \
            exports, and an integration surface for ERP sync: upsert and read by external id, \
            batches of up to 1,000 records, `Idempotency-Key` retries and a changes feed.\n\n\
            Conventions: JSON in snake_case; errors are RFC 9457 `application/problem+json` with \
            per-field `errors`; lists are keyset-paginated (`limit`, `cursor`, `sort`); records carry \
            `version` and an `ETag`, and a stale `If-Match` is answered 412; every response carries \
            `X-Request-Id`. Authenticate with `Authorization: Bearer <token>`, where the token is an \
            access token from `POST /api/v1/auth/login` (scheme `bearer`) or an API key `crm_…` \
            (scheme `api_key`). Every record outside the caller's workspace or visibility is a 404.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
        version = "1.0.0"
    ),
    tags(
        (name = "auth", description = "Sign-in, tokens and the current caller"),
        (name = "customers", description = "Organisations and people you sell to"),
        (name = "contacts", description = "People at organisation customers"),
        (name = "leads", description = "Leads and their conversion into customers and deals"),
        (name = "deals", description = "Pipelines, stages and deals"),
        (name = "activities", description = "Calls, visits, meetings, notes and tasks, with reminders"),
        (name = "products", description = "The product catalogue"),
        (name = "orders", description = "Orders and their lines"),
        (name = "tags", description = "Static tags"),
        (name = "custom_fields", description = "Custom field definitions"),
        (name = "regions", description = "Countries and Chinese administrative divisions"),
        (name = "users", description = "Users of the workspace"),
        (name = "teams", description = "Team hierarchy"),
        (name = "roles", description = "Roles and permissions"),
        (name = "api_keys", description = "API keys for integrations"),
        (name = "changes", description = "The changes feed for incremental sync"),
        (name = "audit", description = "The history of changes: who changed which field from what to what"),
        (name = "forecast", description = "The sales forecast (deals by forecast category, stage-weighted; the statistical forecast of revenue), quotas with their attainment, and rep performance"),
        (name = "tickets", description = "Service tickets (工单) with SLA clocks on a business calendar, their replies and internal notes, and the service desk's settings"),
        (name = "articles", description = "The knowledge base (知识库): articles in categories, Chinese and English search with highlighted snippets, helpfulness, and the public FAQ"),
        (name = "analytics", description = "Customer distribution and customer analytics"),
        (name = "segments", description = "Saved rule-based customer segments"),
        (name = "dashboards", description = "Dashboards (仪表盘): saved grids of report widgets with period, owner, team and region filters, each role's home dashboard, widgets run as the caller"),
        (name = "reports", description = "Reports (报表): saved definitions over any object (groupings, measure, conditions, period, chart) in folders, shared with the workspace or chosen roles and teams, standard reports, runs over the records the caller may read, CSV and XLSX"),
        (name = "imports", description = "CSV import jobs: upload, map, dry run, run, errors"),
        (name = "backups", description = "Workspace backups (administrators)"),
        (name = "health", description = "Liveness"),
    )
)]
pub struct ApiDoc;

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

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_id_is_unique_and_names_its_feature() {
        let spec = crate::documented();
        assert_eq!(super::duplicate_operation_ids(&spec), Vec::<String>::new());
        let item = &spec.paths.paths["/api/v1/customers/by-external-id/{external_id}"];
        let put = item.put.as_ref().and_then(|o| o.operation_id.as_deref());
        assert_eq!(put, Some("customers_upsert_by_external_id"));
        let get = item.get.as_ref().and_then(|o| o.operation_id.as_deref());
        assert_eq!(get, Some("customers_get_by_external_id"));
    }

    #[test]
    fn a_fixed_path_allows_its_own_methods_not_its_templated_neighbours() {
        let table = super::RouteTable::new(&crate::documented());
        assert_eq!(table.allowed("/api/v1/customers/export"), ["GET"]);
        assert_eq!(table.allowed("/api/v1/customers/batch"), ["POST"]);
        assert_eq!(
            table.shadowed_allow("/api/v1/customers/batch", "GET"),
            Some(vec!["POST".to_owned()])
        );
        assert_eq!(
            table.shadowed_allow("/api/v1/customers/batch", "POST"),
            None
        );
        let id = "/api/v1/customers/0190a1b2-0000-7000-8000-000000000000";
        assert_eq!(table.allowed(id), ["GET", "PATCH", "DELETE"]);
        assert_eq!(table.shadowed_allow(id, "GET"), None);
        // A variable takes one whole, non-empty segment, as in actix.
        assert_eq!(table.allowed("/api/v1/customers/x/profile"), ["GET"]);
        assert!(table.allowed("/api/v1/customers//profile").is_empty());
        assert!(table.allowed("/api/v1/customers/x/y/z/w").is_empty());
        assert_eq!(table.allowed("/api/v1/nowhere"), Vec::<String>::new());
    }
}
