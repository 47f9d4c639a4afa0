//! Where each report field lives: the SQL column or expression of a field
//! key over the object's aliases (per backend where the spellings differ),
//! how it is stored, and the `FROM … JOIN …` of each object. Field keys
//! map to columns here and only here; a key without a column is refused.

use crm_domain::reports::ReportObject;
use crm_domain::sales::OrderStatus;

use crate::error::{DbError, DbResult};
use crate::sql::Sql;

/// How a column is stored, and so how it is keyed and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stored {
    Text,
    Id,
    /// A UTC timestamp, bucketed in the workspace's offset.
    Time,
    /// A calendar date.
    Day,
    Int,
    Bool,
    /// The customer's tags (`ct`, joined when a run groups or counts by
    /// them; conditions ask `customer_tags` directly).
    Tag,
}

/// Days (`unit` 86400) or minutes (60) from `from` to `to`, NULL while
/// `to` is.
fn elapsed(pg: bool, from: &str, to: &str, unit: u32) -> String {
    if pg {
        format!("(EXTRACT(EPOCH FROM ({to} - {from})) / {unit}.0)")
    } else {
        // julianday's floating days, rounded so that equal instants are 0.
        format!("(ROUND((julianday({to}) - julianday({from})) * 86400.0 / {unit}.0, 6) + 0.0)")
    }
}

/// 100 when a clock due at `due` was met late (`met`) or is unmet past
/// it, 0 when met in time, NULL while it runs or without a due time.
fn breached(pg: bool, due: &str, met: &str) -> String {
    let now = if pg {
        "(now() AT TIME ZONE 'UTC')"
    } else {
        "'now'"
    };
    let (d, m, n) = if pg {
        (due.to_owned(), met.to_owned(), now.to_owned())
    } else {
        (
            format!("julianday({due})"),
            format!("julianday({met})"),
            format!("julianday({now})"),
        )
    };
    format!(
        "(CASE WHEN {due} IS NULL THEN NULL \
         WHEN {met} IS NOT NULL THEN (CASE WHEN {m} > {d} THEN 100.0 ELSE 0.0 END) \
         WHEN {n} > {d} THEN 100.0 END)"
    )
}

/// The customer's custom field `custom.<key>` as text (a JSON `true` as
/// `true` on both backends, JSON null as NULL). The key is an identifier
/// (`crm_domain::custom_field::parse_key`: a-z, 0-9, _), so it is written
/// into the statement; anything else has no column.
fn custom(pg: bool, key: &str) -> Option<String> {
    let key = crm_domain::reports::catalog::custom_key(key)?;
    Some(if pg {
        format!("(c.custom_fields ->> '{key}')")
    } else {
        format!(
            "(CASE json_type(c.custom_fields, '$.{key}') WHEN 'true' THEN 'true' \
             WHEN 'false' THEN 'false' WHEN 'null' THEN NULL \
             ELSE CAST(json_extract(c.custom_fields, '$.{key}') AS TEXT) END)"
        )
    })
}

/// The SQL column (or expression over the object's aliases) of a field;
/// `pg` picks PostgreSQL's spelling where the two differ.
pub(super) fn column(pg: bool, object: ReportObject, key: &str) -> Option<(String, Stored)> {
    use ReportObject::*;
    use Stored::*;
    let base = match object {
        Customers | Contacts => "c",
        Leads => "l",
        Deals => "d",
        Activities => "a",
        Orders | OrderLines => "o",
        Tickets => "k",
        Products => "p",
    };
    let own = |name: &str, stored| Some((format!("{base}.{name}"), stored));
    let of = |alias: &str, name: &str, stored| Some((format!("{alias}.{name}"), stored));
    match (object, key) {
        (_, "owner") if object != Tickets => own("owner_id", Id),
        (_, "team") => own("team_id", Id),
        (Contacts, "created_at") => of("t", "created_at", Time),
        (Contacts, "is_primary") => of("t", "is_primary", Bool),
        (OrderLines, "product") => of("ol", "product_id", Id),
        (OrderLines, "product_category") => of("p", "category", Text),
        (OrderLines, "order_status") => own("status", Text),
        (OrderLines, "quantity_milli") => of("ol", "quantity_milli", Int),
        (OrderLines, "amount_minor") => of("ol", "amount_minor", Int),
        (Orders | OrderLines, "revenue") => {
            let excluded: Vec<String> = OrderStatus::ALL
                .iter()
                .filter(|s| !s.is_revenue())
                .map(|s| format!("'{}'", s.as_str()))
                .collect();
            Some((format!("(o.status NOT IN ({}))", excluded.join(", ")), Bool))
        }
        (Deals, "pipeline") => own("pipeline_id", Id),
        (Deals, "stage") => own("stage_id", Id),
        (Deals, "status") => of("s", "kind", Text),
        (Deals, "expected_close_date") => own("expected_close_date", Day),
        (Deals, "amount_minor" | "probability") => own(key, Int),
        (Deals, "closed_at") => own(key, Time),
        // Days from creation to close (the sales cycle); NULL while open.
        (Deals, "won_percent") => Some((
            "(CASE WHEN s.kind = 'won' THEN 100.0 WHEN s.kind = 'lost' THEN 0.0 END)".to_owned(),
            Int,
        )),
        (Leads, "converted_percent") => Some((
            "(CASE WHEN l.status = 'converted' THEN 100.0 ELSE 0.0 END)".to_owned(),
            Int,
        )),
        (Deals, "cycle_days") => Some((elapsed(pg, "d.created_at", "d.closed_at", 86_400), Int)),
        (Tickets, "first_response_minutes") => {
            Some((elapsed(pg, "k.created_at", "k.first_responded_at", 60), Int))
        }
        (Tickets, "resolution_minutes") => {
            Some((elapsed(pg, "k.created_at", "k.resolved_at", 60), Int))
        }
        (Tickets, "first_response_breached") => Some((
            breached(pg, "k.first_response_due_at", "k.first_responded_at"),
            Int,
        )),
        (Tickets, "resolution_breached") => {
            Some((breached(pg, "k.resolution_due_at", "k.resolved_at"), Int))
        }
        // The ticket's answered CSAT score (1–5).
        (Tickets, "csat") => Some((
            "(SELECT MAX(v.score) FROM surveys v WHERE v.workspace_id = k.workspace_id \
             AND v.ticket_id = k.id AND v.kind = 'csat' AND v.answered_at IS NOT NULL)"
                .to_owned(),
            Int,
        )),
        (Customers | Contacts | Deals | Orders | OrderLines | Tickets, "tag") => {
            of("ct", "tag_id", Tag)
        }
        (o, k) if crm_domain::reports::catalog::reaches_customer(o) && custom(pg, k).is_some() => {
            custom(pg, k).map(|col| (col, Text))
        }
        (Orders | OrderLines, "order_date") => own("order_date", Day),
        (Orders, "total_minor" | "discount_minor") => own(key, Int),
        (Activities, "done") => own("done", Bool),
        (Activities, "occurred_at") => own(key, Time),
        (Leads, "converted_at") => own(key, Time),
        (Tickets, "assignee") => own("assignee_id", Id),
        (Tickets, "first_responded_at" | "resolved_at") => own(key, Time),
        (Customers, "employee_count") => own(key, Int),
        (Products, "category" | "unit") => own(key, Text),
        (Products, "active") => own(key, Bool),
        (Products, "price_minor") => own(key, Int),
        (Customers | Leads, "province" | "city") => own(&format!("{key}_code"), Text),
        (Contacts | Deals | Orders | OrderLines | Tickets, "province" | "city") => {
            of("c", &format!("{key}_code"), Text)
        }
        (Contacts | Deals | Orders | OrderLines | Tickets, "industry") => of("c", key, Text),
        (_, "created_at") => own(key, Time),
        (
            _,
            "kind"
            | "industry"
            | "size_band"
            | "source"
            | "lifecycle_stage"
            | "status"
            | "disqualified_reason"
            | "lost_reason"
            | "forecast_category"
            | "outcome"
            | "priority"
            | "ticket_type"
            | "channel",
        ) => own(key, Text),
        _ => None,
    }
}

/// `FROM … JOIN …` of the object, and the alias its visibility reads.
pub(super) fn source(object: ReportObject) -> &'static str {
    match object {
        ReportObject::Customers => "customers c",
        ReportObject::Contacts => {
            "contacts t JOIN customers c ON c.id = t.customer_id AND c.workspace_id = t.workspace_id"
        }
        ReportObject::Leads => "leads l",
        ReportObject::Deals => {
            "deals d JOIN pipeline_stages s ON s.id = d.stage_id \
             LEFT JOIN customers c ON c.id = d.customer_id AND c.workspace_id = d.workspace_id"
        }
        ReportObject::Activities => "activities a",
        ReportObject::Orders => {
            "orders o LEFT JOIN customers c ON c.id = o.customer_id AND c.workspace_id = o.workspace_id"
        }
        ReportObject::OrderLines => {
            "order_lines ol JOIN orders o ON o.id = ol.order_id AND o.workspace_id = ol.workspace_id \
             LEFT JOIN products p ON p.id = ol.product_id AND p.workspace_id = ol.workspace_id \
             LEFT JOIN customers c ON c.id = o.customer_id AND c.workspace_id = o.workspace_id"
        }
        ReportObject::Tickets => {
            "tickets k LEFT JOIN customers c ON c.id = k.customer_id AND c.workspace_id = k.workspace_id"
        }
        ReportObject::Products => "products p",
    }
}

/// A column of the object's own table in [`source`] that every row has,
/// for a per-row call to name.
pub(super) fn row_column(object: ReportObject) -> &'static str {
    match object {
        ReportObject::Customers => "c.id",
        ReportObject::Contacts => "t.id",
        ReportObject::Leads => "l.id",
        ReportObject::Deals => "d.id",
        ReportObject::Activities => "a.id",
        ReportObject::Orders => "o.id",
        // Order lines are keyed by their order and number.
        ReportObject::OrderLines => "ol.line_no",
        ReportObject::Tickets => "k.id",
        ReportObject::Products => "p.id",
    }
}

pub(super) fn column_of(sql: &Sql, object: ReportObject, key: &str) -> DbResult<(String, Stored)> {
    column(sql.is_postgres(), object, key).ok_or(DbError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_custom_field_is_a_column_only_under_a_plain_key() {
        for pg in [true, false] {
            let (col, stored) =
                column(pg, ReportObject::Deals, "custom.vip_level").expect("a column");
            assert!(
                col.contains("'$.vip_level'") || col.contains("->> 'vip_level'"),
                "{col}"
            );
            assert_eq!(stored, Stored::Text);
            assert!(column(pg, ReportObject::Deals, "custom.x'); DROP TABLE t; --").is_none());
            assert!(column(pg, ReportObject::Leads, "custom.vip_level").is_none());
        }
    }

    #[test]
    fn every_catalogued_field_has_a_column() {
        for object in ReportObject::ALL {
            for f in crm_domain::reports::fields(*object) {
                for pg in [true, false] {
                    assert!(column(pg, *object, f.key).is_some(), "{object}.{}", f.key);
                }
            }
        }
    }
}
