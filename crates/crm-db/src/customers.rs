//! Customers (organisations and people): rows, insert/update forms, scoped
//! reads and keyset-paged, filtered lists. Validation happens before these
//! functions are called; visibility is applied inside every one of them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};
use uuid::Uuid;

use crate::types::{Id, Json};

use crate::connection::{AnyConnection, MultiBackend};
use crate::error::{DbError, DbResult};
use crate::keyset_page;
use crate::paging::{Keyset, SortValue, contains_pattern};
use crate::schema::{customer_metrics, customer_tags, customers};
use crate::time::now;
use crate::visibility::Visibility;

/// Every column a client can change; serialised to find the changed fields.
#[derive(
    Debug, Clone, PartialEq, serde::Serialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(
    table_name = customers,
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
pub struct CustomerFields {
    pub kind: String,
    pub name: String,
    pub external_id: Option<String>,
    pub owner_id: Option<Id>,
    pub team_id: Option<Id>,
    pub industry: Option<String>,
    pub size_band: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue_minor: Option<i64>,
    pub annual_revenue_currency: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub country_code: Option<String>,
    pub province_code: Option<String>,
    pub city_code: Option<String>,
    pub district_code: Option<String>,
    pub address: Option<String>,
    pub gender: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub source: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub custom_fields: Json,
    /// Lower-cased name, e-mail and phone for `q`; derived, never diffed.
    #[serde(skip)]
    pub search_text: String,
}

impl CustomerFields {
    /// Recomputes `search_text` from the searchable fields.
    pub fn with_search_text(mut self) -> Self {
        let parts = [
            Some(self.name.as_str()),
            self.email.as_deref(),
            self.phone.as_deref(),
            self.external_id.as_deref(),
        ];
        self.search_text = parts
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        self
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customers, treat_none_as_default_value = false)]
pub struct CustomerRow {
    pub id: Id,
    pub workspace_id: Id,
    #[diesel(embed)]
    pub fields: CustomerFields,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    actor: Option<Uuid>,
    fields: &CustomerFields,
) -> DbResult<CustomerRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(customers::table)
        .values((
            customers::id.eq(Id(id)),
            customers::workspace_id.eq(Id(workspace_id)),
            fields,
            customers::version.eq(1),
            customers::created_by.eq(actor.map(Id)),
            customers::updated_by.eq(actor.map(Id)),
            customers::created_at.eq(at),
            customers::updated_at.eq(at),
        ))
        .execute(conn)?;
    find_unscoped(conn, workspace_id, id)
}

fn find_unscoped(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<CustomerRow> {
    Ok(customers::table
        .filter(
            customers::workspace_id
                .eq(Id(workspace_id))
                .and(customers::id.eq(Id(id))),
        )
        .select(CustomerRow::as_select())
        .first(conn)?)
}

/// A live customer the caller may see, or `NotFound`.
pub fn find(conn: &mut AnyConnection, vis: &Visibility, id: Uuid) -> DbResult<CustomerRow> {
    Ok(customers::table
        .filter(vis.customers())
        .filter(customers::id.eq(Id(id)))
        .select(CustomerRow::as_select())
        .first(conn)?)
}

/// Writes all fields if the row still has `expected_version`.
pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    actor: Option<Uuid>,
    fields: &CustomerFields,
) -> DbResult<CustomerRow> {
    let n = diesel::update(
        customers::table.filter(
            customers::workspace_id
                .eq(Id(workspace_id))
                .and(customers::id.eq(Id(id)))
                .and(customers::version.eq(expected_version))
                .and(customers::deleted_at.is_null()),
        ),
    )
    .set((
        fields,
        customers::version.eq(customers::version + 1),
        customers::updated_by.eq(actor.map(Id)),
        customers::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    find_unscoped(conn, workspace_id, id)
}

/// Soft-deletes if the row still has `expected_version`; bumps the version
/// and `updated_at` so sync clients see the deletion.
pub fn soft_delete(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    actor: Option<Uuid>,
) -> DbResult<()> {
    let at = now();
    let n = diesel::update(
        customers::table.filter(
            customers::workspace_id
                .eq(Id(workspace_id))
                .and(customers::id.eq(Id(id)))
                .and(customers::version.eq(expected_version))
                .and(customers::deleted_at.is_null()),
        ),
    )
    .set((
        customers::deleted_at.eq(at),
        customers::updated_at.eq(at),
        customers::updated_by.eq(actor.map(Id)),
        customers::version.eq(customers::version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        Err(DbError::VersionConflict)
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerSort {
    CreatedAt,
    UpdatedAt,
    Name,
    /// Order metrics (`customer_metrics`); customers without orders sort as
    /// zero orders, zero revenue and no last order.
    OrderCount,
    Revenue,
    LastOrderOn,
}

/// The last-order sort key of a customer without orders (before any real date).
pub const NO_LAST_ORDER: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// A customer's order metric as a sort key: a correlated lookup by primary
/// key, so a metric sort scans the filtered customers once (no index can
/// serve an order across two tables; fine for a list page, not a hot path).
fn metric_key<T: diesel::sql_types::SingleValue>(
    column: &str,
    otherwise: &str,
) -> diesel::expression::SqlLiteral<T> {
    diesel::dsl::sql::<T>(&format!(
        "COALESCE((SELECT m.{column} FROM customer_metrics m \
         WHERE m.workspace_id = customers.workspace_id AND m.customer_id = customers.id), {otherwise})"
    ))
}

/// Which column a region filter matches, by the code's level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionMatch {
    Country(String),
    Province(String),
    City(String),
    District(String),
}

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Already lower-cased; matched as a substring of name, e-mail, phone, external id.
    pub q: Option<String>,
    pub kind: Option<String>,
    pub industry: Option<String>,
    pub size_band: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub source: Option<String>,
    pub region: Option<RegionMatch>,
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub tag_id: Option<Uuid>,
    /// Buying customers in this RFM segment (`customer_metrics`).
    pub rfm_segment: Option<String>,
    pub external_id: Option<String>,
    pub created_from: Option<NaiveDateTime>,
    pub created_to: Option<NaiveDateTime>,
    pub updated_from: Option<NaiveDateTime>,
    pub updated_to: Option<NaiveDateTime>,
    /// Customers with at least / at most this many orders (`customer_metrics`;
    /// customers without orders count 0).
    pub min_orders: Option<i32>,
    pub max_orders: Option<i32>,
    /// Revenue in the base currency, minor units (no orders counts 0).
    pub min_revenue_minor: Option<i64>,
    pub max_revenue_minor: Option<i64>,
    /// Buyers whose last order falls on or after / on or before this day.
    pub last_order_from: Option<NaiveDate>,
    pub last_order_to: Option<NaiveDate>,
    /// A saved segment to apply as well; `segment` holds its rules once the
    /// caller has loaded them (`segment_id` alone filters nothing here).
    pub segment_id: Option<Uuid>,
    pub segment: Option<Box<CustomerFilter>>,
}

type Boxed = customers::BoxedQuery<'static, MultiBackend>;

/// `customer_metrics.customer_id` of the workspace where `$condition` holds.
macro_rules! metric_members {
    ($workspace_id:expr, $condition:expr) => {
        customer_metrics::table
            .filter(
                customer_metrics::workspace_id
                    .eq(Id($workspace_id))
                    .and($condition),
            )
            .select(customer_metrics::customer_id)
    };
}

/// The filter's conditions (and its segment's, ANDed) on a boxed customer query.
fn filtered(mut query: Boxed, workspace_id: Uuid, filter: &CustomerFilter) -> Boxed {
    if let Some(q) = &filter.q {
        query = query.filter(
            customers::search_text
                .like(contains_pattern(q))
                .escape('\\'),
        );
    }
    if let Some(v) = &filter.kind {
        query = query.filter(customers::kind.eq(v.clone()));
    }
    if let Some(v) = &filter.industry {
        query = query.filter(customers::industry.eq(v.clone()));
    }
    if let Some(v) = &filter.size_band {
        query = query.filter(customers::size_band.eq(v.clone()));
    }
    if let Some(v) = &filter.lifecycle_stage {
        query = query.filter(customers::lifecycle_stage.eq(v.clone()));
    }
    if let Some(v) = &filter.source {
        query = query.filter(customers::source.eq(v.clone()));
    }
    query = match filter.region.clone() {
        Some(RegionMatch::Country(c)) => query.filter(customers::country_code.eq(c)),
        Some(RegionMatch::Province(c)) => query.filter(customers::province_code.eq(c)),
        Some(RegionMatch::City(c)) => query.filter(customers::city_code.eq(c)),
        Some(RegionMatch::District(c)) => query.filter(customers::district_code.eq(c)),
        None => query,
    };
    if let Some(v) = filter.owner_id {
        query = query.filter(customers::owner_id.eq(Id(v)));
    }
    if let Some(v) = filter.team_id {
        query = query.filter(customers::team_id.eq(Id(v)));
    }
    if let Some(v) = &filter.external_id {
        query = query.filter(customers::external_id.eq(v.clone()));
    }
    if let Some(tag) = filter.tag_id {
        let tagged = customer_tags::table
            .filter(
                customer_tags::workspace_id
                    .eq(Id(workspace_id))
                    .and(customer_tags::tag_id.eq(Id(tag))),
            )
            .select(customer_tags::customer_id);
        query = query.filter(customers::id.eq_any(tagged));
    }
    if let Some(segment) = &filter.rfm_segment {
        let members = customer_metrics::table
            .filter(
                customer_metrics::workspace_id
                    .eq(Id(workspace_id))
                    .and(customer_metrics::rfm_segment.eq(segment.clone())),
            )
            .select(customer_metrics::customer_id);
        query = query.filter(customers::id.eq_any(members));
    }
    if let Some(v) = filter.created_from {
        query = query.filter(customers::created_at.ge(v));
    }
    if let Some(v) = filter.created_to {
        query = query.filter(customers::created_at.lt(v));
    }
    if let Some(v) = filter.updated_from {
        query = query.filter(customers::updated_at.ge(v));
    }
    if let Some(v) = filter.updated_to {
        query = query.filter(customers::updated_at.lt(v));
    }
    if let Some(n) = filter.min_orders {
        query = query.filter(customers::id.eq_any(metric_members!(
            workspace_id,
            customer_metrics::order_count.ge(n)
        )));
    }
    if let Some(n) = filter.max_orders {
        query = query.filter(customers::id.ne_all(metric_members!(
            workspace_id,
            customer_metrics::order_count.gt(n)
        )));
    }
    if let Some(n) = filter.min_revenue_minor {
        query = query.filter(customers::id.eq_any(metric_members!(
            workspace_id,
            customer_metrics::revenue_minor.ge(n)
        )));
    }
    if let Some(n) = filter.max_revenue_minor {
        query = query.filter(customers::id.ne_all(metric_members!(
            workspace_id,
            customer_metrics::revenue_minor.gt(n)
        )));
    }
    if let Some(d) = filter.last_order_from {
        query = query.filter(customers::id.eq_any(metric_members!(
            workspace_id,
            customer_metrics::last_order_on.ge(d)
        )));
    }
    if let Some(d) = filter.last_order_to {
        query = query.filter(customers::id.eq_any(metric_members!(
            workspace_id,
            customer_metrics::last_order_on.le(d)
        )));
    }
    if let Some(rules) = &filter.segment {
        query = filtered(query, workspace_id, rules);
    }
    query
}

/// One page (plus one row, to tell whether another page exists).
pub fn list(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    page: &Keyset<CustomerSort>,
) -> DbResult<Vec<CustomerRow>> {
    let query = filtered(
        customers::table.filter(vis.customers()).into_boxed(),
        vis.workspace_id,
        filter,
    );
    let after = page.after.clone();
    let query = match page.field {
        CustomerSort::CreatedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(
                query,
                customers::created_at,
                customers::id,
                page.direction,
                after
            )
        }
        CustomerSort::UpdatedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(
                query,
                customers::updated_at,
                customers::id,
                page.direction,
                after
            )
        }
        CustomerSort::Name => {
            let after = SortValue::into_text(after);
            keyset_page!(query, customers::name, customers::id, page.direction, after)
        }
        CustomerSort::OrderCount | CustomerSort::Revenue => {
            let column = if page.field == CustomerSort::Revenue {
                "revenue_minor"
            } else {
                "order_count"
            };
            let after = SortValue::into_int(after);
            keyset_page!(
                query,
                metric_key::<BigInt>(column, "0"),
                customers::id,
                page.direction,
                after
            )
        }
        CustomerSort::LastOrderOn => {
            let after = SortValue::into_date(after);
            keyset_page!(
                query,
                metric_key::<Date>("last_order_on", &format!("'{NO_LAST_ORDER}'")),
                customers::id,
                page.direction,
                after
            )
        }
    };
    Ok(query
        .limit(page.limit + 1)
        .select(CustomerRow::as_select())
        .load(conn)?)
}

/// Whether a live customer other than `except` already uses the external id.
/// The live customer with this external id, whoever may see it.
pub fn id_by_external_id(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    external_id: &str,
) -> DbResult<Option<Uuid>> {
    Ok(customers::table
        .filter(
            customers::workspace_id
                .eq(Id(workspace_id))
                .and(customers::external_id.eq(external_id))
                .and(customers::deleted_at.is_null()),
        )
        .select(customers::id)
        .first::<Id>(conn)
        .optional()?
        .map(|id| id.0))
}

pub fn external_id_taken(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    external_id: &str,
    except: Option<Uuid>,
) -> DbResult<bool> {
    Ok(id_by_external_id(conn, workspace_id, external_id)?.is_some_and(|id| Some(id) != except))
}

/// Live customers with any of these ids, or these external ids, that the
/// visibility covers (`vis`), or whoever may see them (`None`).
pub fn find_many(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    vis: Option<&Visibility>,
    ids: &[Uuid],
    external_ids: &[String],
) -> DbResult<Vec<CustomerRow>> {
    let mut out = Vec::new();
    let ids: Vec<Id> = ids.iter().copied().map(Id).collect();
    let scoped = |vis: Option<&Visibility>| -> crate::visibility::Predicate<customers::table> {
        match vis {
            Some(vis) => vis.customers(),
            None => Box::new(
                customers::workspace_id
                    .eq(Id(workspace_id))
                    .and(customers::deleted_at.is_null()),
            ),
        }
    };
    for chunk in ids.chunks(crate::batch::chunk_rows(1)) {
        out.extend(
            customers::table
                .filter(scoped(vis))
                .filter(customers::id.eq_any(chunk))
                .select(CustomerRow::as_select())
                .load(conn)?,
        );
    }
    for chunk in external_ids.chunks(crate::batch::chunk_rows(1)) {
        out.extend(
            customers::table
                .filter(scoped(vis))
                .filter(customers::external_id.is_not_null())
                .filter(customers::external_id.eq_any(chunk))
                .select(CustomerRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

impl CustomerRow {
    /// A new row (version 1) as a batch writes it.
    pub fn new(workspace_id: Uuid, actor: Option<Uuid>, fields: CustomerFields) -> Self {
        let at = now();
        Self {
            id: Id::new(),
            workspace_id: Id(workspace_id),
            fields,
            version: 1,
            created_by: actor.map(Id),
            updated_by: actor.map(Id),
            created_at: at,
            updated_at: at,
        }
    }

    /// The next version of this row with other fields.
    pub fn changed(&self, actor: Option<Uuid>, fields: CustomerFields) -> Self {
        Self {
            fields,
            version: self.version + 1,
            updated_by: actor.map(Id),
            updated_at: now(),
            ..self.clone()
        }
    }
}

impl crate::copy::CopyRow for CustomerRow {
    type Table = customers::table;
    fn render(&self, line: &mut crate::copy::CopyLine) {
        let f = &self.fields;
        line.put(self.id)
            .put(self.workspace_id)
            .put(f.kind.as_str())
            .put(f.name.as_str())
            .put(f.external_id.as_ref())
            .put(f.owner_id)
            .put(f.team_id)
            .put(f.industry.as_ref())
            .put(f.size_band.as_ref())
            .put(f.employee_count)
            .put(f.annual_revenue_minor)
            .put(f.annual_revenue_currency.as_ref())
            .put(f.email.as_ref())
            .put(f.phone.as_ref())
            .put(f.website.as_ref())
            .put(f.country_code.as_ref())
            .put(f.province_code.as_ref())
            .put(f.city_code.as_ref())
            .put(f.district_code.as_ref())
            .put(f.address.as_ref())
            .put(f.gender.as_ref())
            .put(f.birth_date)
            .put(f.source.as_ref())
            .put(f.lifecycle_stage.as_ref())
            .put(&f.custom_fields)
            .put(f.search_text.as_str())
            .put(self.version)
            .put(self.created_by)
            .put(self.updated_by)
            .put(self.created_at)
            .put(self.updated_at)
            .put(None::<NaiveDateTime>);
    }
}

/// Inserts rows that are known to be new (bulk loads): `COPY` on
/// PostgreSQL, multi-row `INSERT`s on SQLite.
pub fn insert_new(conn: &mut AnyConnection, rows: &[CustomerRow]) -> DbResult<()> {
    crate::batch::generic_plans(conn)?;
    match conn {
        AnyConnection::Postgresql(c) => crate::copy::copy_rows(c, rows),
        AnyConnection::Sqlite(c) => {
            for chunk in rows.chunks(crate::batch::chunk_rows(32)) {
                diesel::insert_into(customers::table)
                    .values(chunk)
                    .execute(c)?;
            }
            Ok(())
        }
    }
}

/// Writes new rows and new versions of existing rows: one multi-row
/// `INSERT … ON CONFLICT (id) DO UPDATE` per chunk. The caller holds the
/// workspace lock and has checked versions.
pub fn write_many(conn: &mut AnyConnection, rows: &[CustomerRow]) -> DbResult<()> {
    crate::batch::generic_plans(conn)?;
    use diesel::upsert::excluded;
    for chunk in rows.chunks(crate::batch::chunk_rows(32)) {
        crate::each_backend!(&mut *conn, |c| diesel::insert_into(customers::table)
            .values(chunk)
            .on_conflict(customers::id)
            .do_update()
            .set((
                (
                    customers::kind.eq(excluded(customers::kind)),
                    customers::name.eq(excluded(customers::name)),
                    customers::external_id.eq(excluded(customers::external_id)),
                    customers::owner_id.eq(excluded(customers::owner_id)),
                    customers::team_id.eq(excluded(customers::team_id)),
                    customers::industry.eq(excluded(customers::industry)),
                    customers::size_band.eq(excluded(customers::size_band)),
                    customers::employee_count.eq(excluded(customers::employee_count)),
                    customers::annual_revenue_minor.eq(excluded(customers::annual_revenue_minor)),
                    customers::annual_revenue_currency
                        .eq(excluded(customers::annual_revenue_currency)),
                    customers::email.eq(excluded(customers::email)),
                    customers::phone.eq(excluded(customers::phone)),
                ),
                (
                    customers::website.eq(excluded(customers::website)),
                    customers::country_code.eq(excluded(customers::country_code)),
                    customers::province_code.eq(excluded(customers::province_code)),
                    customers::city_code.eq(excluded(customers::city_code)),
                    customers::district_code.eq(excluded(customers::district_code)),
                    customers::address.eq(excluded(customers::address)),
                    customers::gender.eq(excluded(customers::gender)),
                    customers::birth_date.eq(excluded(customers::birth_date)),
                    customers::source.eq(excluded(customers::source)),
                    customers::lifecycle_stage.eq(excluded(customers::lifecycle_stage)),
                    customers::custom_fields.eq(excluded(customers::custom_fields)),
                    customers::search_text.eq(excluded(customers::search_text)),
                ),
                (
                    customers::version.eq(excluded(customers::version)),
                    customers::updated_by.eq(excluded(customers::updated_by)),
                    customers::updated_at.eq(excluded(customers::updated_at)),
                ),
            ))
            .execute(c))?;
    }
    Ok(())
}
