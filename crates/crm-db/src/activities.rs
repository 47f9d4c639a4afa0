//! Activities — calls, meetings, e-mails, notes and tasks — linked to a
//! customer, contact, lead or deal. Reads are scoped by
//! `Visibility::activities` (the assignee is the owner).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::keyset_page;
use crate::paging::{Keyset, SortValue};
use crate::schema::activities;
use crate::time::now;
use crate::types::Id;
use crate::visibility::Visibility;

#[derive(
    Debug, Clone, PartialEq, serde::Serialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = activities, treat_none_as_null = true)]
pub struct ActivityFields {
    pub kind: String,
    pub subject: String,
    pub body: Option<String>,
    pub customer_id: Option<Id>,
    pub contact_id: Option<Id>,
    pub lead_id: Option<Id>,
    pub deal_id: Option<Id>,
    pub occurred_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub done: bool,
    pub done_at: Option<NaiveDateTime>,
    pub owner_id: Option<Id>,
    pub team_id: Option<Id>,
    pub remind_at: Option<NaiveDateTime>,
    pub priority: String,
    pub location: Option<String>,
    pub outcome: Option<String>,
    pub next_step: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = activities)]
pub struct ActivityRow {
    pub id: Id,
    pub workspace_id: Id,
    #[diesel(embed)]
    pub fields: ActivityFields,
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
    fields: ActivityFields,
) -> DbResult<ActivityRow> {
    let at = now();
    let row = ActivityRow {
        id: Id::new(),
        workspace_id: Id(workspace_id),
        fields,
        version: 1,
        created_by: actor.map(Id),
        updated_by: actor.map(Id),
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(activities::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn find(conn: &mut AnyConnection, vis: &Visibility, id: Uuid) -> DbResult<ActivityRow> {
    Ok(activities::table
        .filter(vis.activities())
        .filter(activities::id.eq(Id(id)))
        .select(ActivityRow::as_select())
        .first(conn)?)
}

/// [`find`] with the workspace's access counter as its statement read it
/// (`crate::auth::access_version`), for a read authorised from a cached
/// principal.
pub fn find_confirming(
    conn: &mut AnyConnection,
    vis: &Visibility,
    id: Uuid,
) -> DbResult<(ActivityRow, i64)> {
    let (row, access): (ActivityRow, Option<i64>) = activities::table
        .filter(vis.activities())
        .filter(activities::id.eq(Id(id)))
        .select((
            ActivityRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .first(conn)?;
    Ok((row, access.unwrap_or(0)))
}

pub fn update(
    conn: &mut AnyConnection,
    current: &ActivityRow,
    expected_version: i32,
    actor: Option<Uuid>,
    fields: ActivityFields,
) -> DbResult<ActivityRow> {
    let row = ActivityRow {
        fields,
        version: current.version + 1,
        updated_by: actor.map(Id),
        updated_at: now(),
        ..current.clone()
    };
    let n = diesel::update(
        activities::table.filter(
            activities::workspace_id
                .eq(current.workspace_id)
                .and(activities::id.eq(current.id))
                .and(activities::version.eq(expected_version))
                .and(activities::deleted_at.is_null()),
        ),
    )
    .set((
        &row.fields,
        activities::version.eq(row.version),
        activities::updated_by.eq(row.updated_by),
        activities::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    Ok(row)
}

pub fn soft_delete(
    conn: &mut AnyConnection,
    current: &ActivityRow,
    expected_version: i32,
    actor: Option<Uuid>,
) -> DbResult<()> {
    let at = now();
    let n = diesel::update(
        activities::table.filter(
            activities::workspace_id
                .eq(current.workspace_id)
                .and(activities::id.eq(current.id))
                .and(activities::version.eq(expected_version))
                .and(activities::deleted_at.is_null()),
        ),
    )
    .set((
        activities::deleted_at.eq(at),
        activities::updated_at.eq(at),
        activities::updated_by.eq(actor.map(Id)),
        activities::version.eq(activities::version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        Err(DbError::VersionConflict)
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub kind: Option<String>,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub done: Option<bool>,
    pub due_before: Option<NaiveDateTime>,
    pub due_after: Option<NaiveDateTime>,
    pub has_due: Option<bool>,
}

/// What a list of activities is ordered by. Ordered by `DueAt`, only
/// activities with a due date are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivitySort {
    OccurredAt,
    DueAt,
}

/// One page (plus one row) of visible activities in the keyset's order,
/// and the workspace's access counter as the page's statement saw it
/// (`crate::auth::split_page`).
pub fn list(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &ActivityFilter,
    page: &Keyset<ActivitySort>,
) -> DbResult<(Vec<ActivityRow>, Option<i64>)> {
    let mut query = filtered(vis, filter);
    let after = SortValue::into_time(page.after.clone());
    let query = match page.field {
        ActivitySort::OccurredAt => keyset_page!(
            query,
            activities::occurred_at,
            activities::id,
            page.direction,
            after
        ),
        ActivitySort::DueAt => {
            query = query.filter(activities::due_at.is_not_null());
            let after = after.map(|(at, id)| (Some(at), id));
            keyset_page!(
                query,
                activities::due_at,
                activities::id,
                page.direction,
                after
            )
        }
    };
    let rows = query
        .limit(page.limit + 1)
        .select((
            ActivityRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .load(conn)?;
    Ok(crate::auth::split_page(rows))
}

/// Open activities assigned to `owner` (and visible): how many are due
/// before `now`, how many before `until` or with a reminder time before
/// `now`, and the first `limit` of the latter, soonest due first.
pub fn reminders(
    conn: &mut AnyConnection,
    vis: &Visibility,
    owner: Uuid,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> DbResult<(i64, i64, Vec<ActivityRow>)> {
    let open = || {
        activities::table
            .filter(vis.activities())
            .filter(activities::owner_id.eq(Id(owner)))
            .filter(activities::done.eq(false))
            .into_boxed()
    };
    let overdue = open()
        .filter(activities::due_at.lt(now))
        .count()
        .get_result(conn)?;
    let due = || {
        open().filter(
            activities::due_at
                .lt(until)
                .or(activities::remind_at.le(now)),
        )
    };
    let count = due().count().get_result(conn)?;
    let items = due()
        .order((
            activities::due_at.is_null(),
            activities::due_at.asc(),
            activities::id.asc(),
        ))
        .limit(limit)
        .select(ActivityRow::as_select())
        .load(conn)?;
    Ok((overdue, count, items))
}

type Filtered<'a> = activities::BoxedQuery<'a, crate::connection::MultiBackend>;

fn filtered<'a>(vis: &Visibility, filter: &ActivityFilter) -> Filtered<'a> {
    let mut query = activities::table.filter(vis.activities()).into_boxed();
    if let Some(v) = &filter.kind {
        query = query.filter(activities::kind.eq(v.clone()));
    }
    if let Some(v) = filter.customer_id {
        query = query.filter(activities::customer_id.eq(Id(v)));
    }
    if let Some(v) = filter.contact_id {
        query = query.filter(activities::contact_id.eq(Id(v)));
    }
    if let Some(v) = filter.lead_id {
        query = query.filter(activities::lead_id.eq(Id(v)));
    }
    if let Some(v) = filter.deal_id {
        query = query.filter(activities::deal_id.eq(Id(v)));
    }
    if let Some(v) = filter.owner_id {
        query = query.filter(activities::owner_id.eq(Id(v)));
    }
    if let Some(v) = filter.done {
        query = query.filter(activities::done.eq(v));
    }
    if let Some(v) = filter.due_before {
        query = query.filter(activities::due_at.lt(v));
    }
    if let Some(v) = filter.due_after {
        query = query.filter(activities::due_at.ge(v));
    }
    match filter.has_due {
        Some(true) => query = query.filter(activities::due_at.is_not_null()),
        Some(false) => query = query.filter(activities::due_at.is_null()),
        None => {}
    }
    query
}
