//! Customers (organisations and people): rows, insert/update forms, scoped
//! reads and keyset-paged, filtered lists. Validation happens before these
//! functions are called; visibility is applied inside every one of them.

mod list;
mod record;

pub use list::{CustomerFilter, CustomerSort, NO_LAST_ORDER, RegionMatch, list};
pub use record::find_with_metrics;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::customers;
use crate::time::now;
use crate::types::{Id, Json};
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
    crate::rollups::counts::add(conn, workspace_id, &[id], crate::rollups::counts::Part::All)?;
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
    // A new province, owner or industry moves the customer's sales.
    crate::rollups::remove_customers(conn, workspace_id, &[id])?;
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
    crate::rollups::add_customers(conn, workspace_id, &[id])?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    crate::metrics::follow_customers(conn, workspace_id, &[id])?;
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
    crate::rollups::remove_customers(conn, workspace_id, &[id])?;
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
        // Still live: its sales stay where they were.
        crate::rollups::add_customers(conn, workspace_id, &[id])?;
        Err(DbError::VersionConflict)
    } else {
        crate::metrics::follow_customers(conn, workspace_id, &[id])
    }
}

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

/// Inserts rows that are known to be new (bulk loads, and the customers a
/// batch creates under the workspace lock after checking their external
/// ids): `COPY` on PostgreSQL, multi-row `INSERT`s on SQLite. The caller
/// counts them (`rollups::counts::add`, after their tags) or rebuilds.
pub fn insert_new(conn: &mut AnyConnection, rows: &[CustomerRow]) -> DbResult<()> {
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
    use diesel::upsert::excluded;
    for chunk in rows.chunks(crate::batch::chunk_rows(32)) {
        // The sales of existing customers whose owner, team or a summed
        // dimension changes move with them.
        let ws = chunk[0].workspace_id.0;
        let ids: Vec<Id> = chunk.iter().map(|r| r.id).collect();
        let before: std::collections::HashMap<Uuid, CustomerFields> = customers::table
            .filter(
                customers::workspace_id
                    .eq(Id(ws))
                    .and(customers::id.eq_any(&ids)),
            )
            .select((customers::id, CustomerFields::as_select()))
            .load::<(Id, CustomerFields)>(conn)?
            .into_iter()
            .map(|(id, fields)| (id.0, fields))
            .collect();
        let moved: Vec<Uuid> = chunk
            .iter()
            .filter(|r| {
                before
                    .get(&r.id.0)
                    .is_some_and(|old| crate::rollups::moves(old, &r.fields))
            })
            .map(|r| r.id.0)
            .collect();
        crate::rollups::remove_customers(conn, ws, &moved)?;
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
        crate::rollups::add_customers(conn, ws, &moved)?;
        crate::metrics::follow_customers(conn, ws, &moved)?;
        let created: Vec<Uuid> = ids
            .iter()
            .filter(|id| !before.contains_key(&id.0))
            .map(|id| id.0)
            .collect();
        crate::rollups::counts::add(conn, ws, &created, crate::rollups::counts::Part::All)?;
    }
    Ok(())
}
