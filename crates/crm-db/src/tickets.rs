//! Tickets (工单): rows, their scope predicate ([`Visibility::tickets`]),
//! reads and writes. A ticket's `own` scope reaches the tickets assigned to
//! the caller and those of customers the caller owns; `team` and `subtree`
//! widen both sides to the caller's team(s). Replies and notes are
//! [`replies`], the workspace's service settings [`settings`], tickets'
//! tags [`tags`].

pub mod agents;
pub mod alerts;
pub mod attachments;
pub mod replies;
pub mod settings;
pub mod tags;

use chrono::NaiveDateTime;
use crm_domain::access::Scope;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::keyset_page;
use crate::paging::{Keyset, SortValue, contains};
use crate::schema::{customers, ticket_tags, tickets};
use crate::time::now;
use crate::types::{Id, Json};
use crate::visibility::{Predicate, Visibility};

impl Visibility {
    /// Live tickets inside the scope: assigned to (or in the team of) the
    /// caller, or of a customer the scope covers by its owner and team.
    pub fn tickets(&self) -> Predicate<tickets::table> {
        let ws = Id(self.workspace_id);
        let base = tickets::workspace_id
            .eq(ws)
            .and(tickets::deleted_at.is_null());
        let me = Id(self.principal.user_id);
        let teams: Vec<Id> = match self.scope {
            Scope::Team => self.principal.team_id.map(Id).into_iter().collect(),
            Scope::Subtree => self
                .principal
                .subtree_team_ids
                .iter()
                .map(|t| Id(*t))
                .collect(),
            _ => vec![],
        };
        let customers_of = customers::table
            .filter(customers::workspace_id.eq(ws))
            .filter(
                // NULL = x is never true: an unowned customer is nobody's.
                customers::owner_id
                    .assume_not_null()
                    .eq(me)
                    .or(customers::team_id.assume_not_null().eq_any(teams.clone())),
            )
            .select(customers::id);
        let mine = tickets::assignee_id
            .assume_not_null()
            .eq(me)
            .or(tickets::team_id.assume_not_null().eq_any(teams))
            .or(tickets::customer_id.eq_any(customers_of));
        match self.scope {
            Scope::None => Box::new(base.and(sql::<Bool>("1 = 0"))),
            Scope::All => Box::new(base),
            Scope::Own | Scope::Team | Scope::Subtree => Box::new(base.and(mine)),
        }
    }
}

/// Every column a write can change; serialised to find the changed fields.
#[derive(
    Debug, Clone, PartialEq, serde::Serialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
pub struct TicketFields {
    pub customer_id: Id,
    pub contact_id: Option<Id>,
    pub subject: String,
    pub description: Option<String>,
    pub ticket_type: String,
    pub priority: String,
    pub channel: String,
    pub status: String,
    pub assignee_id: Option<Id>,
    pub team_id: Option<Id>,
    pub external_id: Option<String>,
    pub first_response_due_at: Option<NaiveDateTime>,
    pub resolution_due_at: Option<NaiveDateTime>,
    pub first_responded_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub paused_at: Option<NaiveDateTime>,
    /// The assignment rule that routed the ticket, by name.
    pub assignment_rule: Option<String>,
    /// Values of the workspace's ticket custom fields, by key.
    pub custom_fields: Json,
    #[serde(skip)]
    pub search_text: String,
}

impl TicketFields {
    /// Fills the lower-cased text `q` searches: subject and external id.
    pub fn with_search_text(mut self) -> Self {
        let parts = [Some(self.subject.as_str()), self.external_id.as_deref()];
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
#[diesel(table_name = tickets)]
pub struct TicketRow {
    pub id: Id,
    pub workspace_id: Id,
    pub number: i64,
    #[diesel(embed)]
    pub fields: TicketFields,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts a ticket with the workspace's next number (the caller holds
/// the workspace lock, so numbers do not collide).
pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    actor: Option<Uuid>,
    created_at: NaiveDateTime,
    fields: TicketFields,
) -> DbResult<TicketRow> {
    let last: Option<i64> = tickets::table
        .filter(tickets::workspace_id.eq(Id(workspace_id)))
        .select(diesel::dsl::max(tickets::number))
        .first(conn)?;
    let row = TicketRow {
        id: Id::new(),
        workspace_id: Id(workspace_id),
        number: last.unwrap_or(0) + 1,
        fields,
        version: 1,
        created_by: actor.map(Id),
        updated_by: actor.map(Id),
        created_at,
        updated_at: created_at,
    };
    diesel::insert_into(tickets::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// A live ticket the caller may see, or `NotFound`.
pub fn find(conn: &mut AnyConnection, vis: &Visibility, id: Uuid) -> DbResult<TicketRow> {
    Ok(tickets::table
        .filter(vis.tickets())
        .filter(tickets::id.eq(Id(id)))
        .select(TicketRow::as_select())
        .first(conn)?)
}

/// [`find`] with the workspace's access counter as its statement read it
/// (`crate::auth::access_version`), for a read authorised from a cached
/// principal.
pub fn find_confirming(
    conn: &mut AnyConnection,
    vis: &Visibility,
    id: Uuid,
) -> DbResult<(TicketRow, i64)> {
    let (row, access): (TicketRow, Option<i64>) = tickets::table
        .filter(vis.tickets())
        .filter(tickets::id.eq(Id(id)))
        .select((
            TicketRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .first(conn)?;
    Ok((row, access.unwrap_or(0)))
}

/// A live ticket of the workspace whoever asks (a customer answering a
/// survey about it), or `NotFound`.
pub fn find_any(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<TicketRow> {
    Ok(tickets::table
        .filter(tickets::workspace_id.eq(Id(workspace_id)))
        .filter(tickets::id.eq(Id(id)))
        .filter(tickets::deleted_at.is_null())
        .select(TicketRow::as_select())
        .first(conn)?)
}

/// The live ticket with this external id, in any scope.
pub fn id_by_external_id(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    external_id: &str,
) -> DbResult<Option<Uuid>> {
    let found: Option<Id> = tickets::table
        .filter(
            tickets::workspace_id
                .eq(Id(workspace_id))
                .and(tickets::external_id.eq(external_id))
                .and(tickets::deleted_at.is_null()),
        )
        .select(tickets::id)
        .first(conn)
        .optional()?;
    Ok(found.map(|id| id.0))
}

/// Whether a live ticket other than `except` uses the external id.
pub fn external_id_taken(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    external_id: &str,
    except: Option<Uuid>,
) -> DbResult<bool> {
    let found = id_by_external_id(conn, workspace_id, external_id)?;
    Ok(found.is_some_and(|id| Some(id) != except))
}

/// Writes `fields` if the row still has `expected_version`.
pub fn update(
    conn: &mut AnyConnection,
    current: &TicketRow,
    expected_version: i32,
    actor: Option<Uuid>,
    fields: TicketFields,
) -> DbResult<TicketRow> {
    let row = TicketRow {
        fields,
        version: current.version + 1,
        updated_by: actor.map(Id),
        updated_at: now(),
        ..current.clone()
    };
    let n = diesel::update(
        tickets::table.filter(
            tickets::workspace_id
                .eq(current.workspace_id)
                .and(tickets::id.eq(current.id))
                .and(tickets::version.eq(expected_version))
                .and(tickets::deleted_at.is_null()),
        ),
    )
    .set((
        &row.fields,
        tickets::version.eq(row.version),
        tickets::updated_by.eq(row.updated_by),
        tickets::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    Ok(row)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketSort {
    CreatedAt,
    UpdatedAt,
    ResolutionDueAt,
}

/// Which tickets a list shows, beyond the caller's scope.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub q: Option<String>,
    pub statuses: Vec<String>,
    pub priority: Option<String>,
    pub ticket_type: Option<String>,
    pub channel: Option<String>,
    pub customer_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub unassigned: bool,
    /// Tickets carrying this tag.
    pub tag_id: Option<Uuid>,
    /// Active tickets whose resolution is due before this instant.
    pub due_before: Option<NaiveDateTime>,
}

/// One page (plus one row) of visible tickets.
pub fn list(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &TicketFilter,
    page: &Keyset<TicketSort>,
) -> DbResult<Vec<TicketRow>> {
    let mut query = tickets::table.filter(vis.tickets()).into_boxed();
    if let Some(q) = &filter.q {
        query = query.filter(contains("tickets.search_text", q));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(tickets::status.eq_any(filter.statuses.clone()));
    }
    if let Some(v) = &filter.priority {
        query = query.filter(tickets::priority.eq(v.clone()));
    }
    if let Some(v) = &filter.ticket_type {
        query = query.filter(tickets::ticket_type.eq(v.clone()));
    }
    if let Some(v) = &filter.channel {
        query = query.filter(tickets::channel.eq(v.clone()));
    }
    if let Some(v) = filter.customer_id {
        query = query.filter(tickets::customer_id.eq(Id(v)));
    }
    if let Some(v) = filter.assignee_id {
        query = query.filter(tickets::assignee_id.eq(Id(v)));
    }
    if let Some(v) = filter.team_id {
        query = query.filter(tickets::team_id.eq(Id(v)));
    }
    if filter.unassigned {
        query = query.filter(tickets::assignee_id.is_null());
    }
    if let Some(tag) = filter.tag_id {
        let tagged = ticket_tags::table
            .filter(
                ticket_tags::workspace_id
                    .eq(Id(vis.workspace_id))
                    .and(ticket_tags::tag_id.eq(Id(tag))),
            )
            .select(ticket_tags::ticket_id);
        query = query.filter(tickets::id.eq_any(tagged));
    }
    if let Some(at) = filter.due_before {
        query = query.filter(
            tickets::resolution_due_at
                .lt(at)
                .and(tickets::paused_at.is_null())
                .and(tickets::status.eq_any(["new", "open"])),
        );
    }
    let after = SortValue::into_time(page.after.clone());
    let query = match page.field {
        TicketSort::CreatedAt => {
            keyset_page!(
                query,
                tickets::created_at,
                tickets::id,
                page.direction,
                after
            )
        }
        TicketSort::UpdatedAt => {
            keyset_page!(
                query,
                tickets::updated_at,
                tickets::id,
                page.direction,
                after
            )
        }
        TicketSort::ResolutionDueAt => {
            let query = query.filter(tickets::resolution_due_at.is_not_null());
            keyset_page!(
                query,
                tickets::resolution_due_at.assume_not_null(),
                tickets::id,
                page.direction,
                after
            )
        }
    };
    Ok(query
        .limit(page.limit + 1)
        .select(TicketRow::as_select())
        .load(conn)?)
}

/// What assignment rules read of a customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingFacts {
    /// Its country, province, city and district codes (those it has).
    pub region_codes: Vec<String>,
    /// Its monetary RFM score, once scored.
    pub rfm_m: Option<i16>,
    pub tag_ids: Vec<Uuid>,
}

type RegionCodes = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The [`RoutingFacts`] of a customer of the workspace (empty when absent).
pub fn customer_facts(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customer_id: Uuid,
) -> DbResult<RoutingFacts> {
    use crate::schema::{customer_metrics, customer_tags};
    let ws = Id(workspace_id);
    let id = Id(customer_id);
    let regions: Option<RegionCodes> = customers::table
        .find(id)
        .filter(customers::workspace_id.eq(ws))
        .select((
            customers::country_code,
            customers::province_code,
            customers::city_code,
            customers::district_code,
        ))
        .first(conn)
        .optional()?;
    let m: Option<Option<i16>> = customer_metrics::table
        .find((ws, id))
        .select(customer_metrics::rfm_m)
        .first(conn)
        .optional()?;
    let tags: Vec<Id> = customer_tags::table
        .filter(customer_tags::workspace_id.eq(ws))
        .filter(customer_tags::customer_id.eq(id))
        .select(customer_tags::tag_id)
        .load(conn)?;
    Ok(RoutingFacts {
        region_codes: regions
            .map(|(a, b, c, d)| [a, b, c, d].into_iter().flatten().collect())
            .unwrap_or_default(),
        rfm_m: m.flatten(),
        tag_ids: tags.into_iter().map(|t| t.0).collect(),
    })
}
