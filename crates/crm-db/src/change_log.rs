//! The append-only change log, written in the transaction of the change.
//! Sequence numbers come from a per-workspace counter whose row stays
//! locked until commit, so readers paging by `seq` never see a gap.

use std::collections::HashSet;

use diesel::prelude::*;
use uuid::Uuid;

use crate::types::{Id, Json};

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::{
    activities, change_log, contacts, customers, deals, leads, orders, tickets, workspaces,
};
use crate::time::now;
use crate::visibility::Visibility;

/// Takes the workspace's write lock. Call it first in every write
/// transaction: on SQLite it makes the transaction a writer from its first
/// statement (so `busy_timeout` applies instead of a snapshot conflict), on
/// PostgreSQL it orders concurrent writers by commit.
pub fn lock_workspace(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<()> {
    diesel::update(workspaces::table.find(Id(workspace_id)))
        .set(workspaces::change_seq.eq(workspaces::change_seq))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

pub struct Change<'a> {
    pub workspace_id: Uuid,
    pub entity: &'a str,
    pub entity_id: Uuid,
    pub op: Op,
    pub changed_fields: Vec<String>,
    pub actor_id: Option<Uuid>,
    /// The channel the change came through (`web`, `api_key`, `import`, `job`, `cli`).
    pub channel: &'a str,
    /// For each changed field, its value before and after (see [`values`]).
    pub values: Option<serde_json::Value>,
}

/// Appends one entry and returns its sequence number.
pub fn record(conn: &mut AnyConnection, change: Change<'_>) -> DbResult<i64> {
    diesel::update(workspaces::table.find(Id(change.workspace_id)))
        .set(workspaces::change_seq.eq(workspaces::change_seq + 1))
        .execute(conn)?;
    let seq: i64 = workspaces::table
        .find(Id(change.workspace_id))
        .select(workspaces::change_seq)
        .first(conn)?;
    diesel::insert_into(change_log::table)
        .values((
            change_log::workspace_id.eq(Id(change.workspace_id)),
            change_log::seq.eq(seq),
            change_log::entity.eq(change.entity),
            change_log::entity_id.eq(Id(change.entity_id)),
            change_log::op.eq(change.op.as_str()),
            change_log::changed_fields.eq(Json(serde_json::json!(change.changed_fields))),
            change_log::actor_id.eq(change.actor_id.map(Id)),
            change_log::at.eq(now()),
            change_log::channel.eq(Some(change.channel)),
            change_log::change_values.eq(change.values.map(Json)),
        ))
        .execute(conn)?;
    crate::events::pending();
    Ok(seq)
}

/// Names of every top-level field, as a create reports them.
pub fn field_names<T: serde::Serialize>(value: &T) -> Vec<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Names of the top-level fields whose serialised values differ. Equal
/// records (a resent one) are told apart without serialising them.
pub fn changed_fields<T: serde::Serialize + PartialEq>(before: &T, after: &T) -> Vec<String> {
    if before == after {
        return Vec::new();
    }
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    b.iter()
        .filter(|(key, value)| a.get(*key) != Some(*value))
        .map(|(key, _)| key.clone())
        .collect()
}

/// Field names whose values the change log never keeps (a hash or a
/// secret is replaced by `"***"`).
const SENSITIVE: [&str; 5] = ["password", "secret", "token", "hash", "api_key"];

pub(crate) fn sensitive(field: &str) -> bool {
    // Our own names are lower case: lowered copies only for the others.
    let lowered;
    let field = if field.bytes().any(|b| b.is_ascii_uppercase()) {
        lowered = field.to_ascii_lowercase();
        lowered.as_str()
    } else {
        field
    };
    SENSITIVE.iter().any(|s| field.contains(s))
}

/// For each of `fields`, its value before and after as
/// `{"field": {"from": before, "to": after}}`, from the serialised records
/// (`None` before a create, after a delete); sensitive fields masked.
/// `None` when there is nothing to say.
pub fn values<T: serde::Serialize>(
    fields: &[String],
    before: Option<&T>,
    after: Option<&T>,
) -> Option<serde_json::Value> {
    use serde_json::Value;
    let object = |record: Option<&T>| match record.map(serde_json::to_value) {
        Some(Ok(Value::Object(map))) => map,
        _ => serde_json::Map::new(),
    };
    let (mut before, mut after) = (object(before), object(after));
    let mut out = serde_json::Map::new();
    for field in fields {
        if out.contains_key(field) {
            continue;
        }
        // Moved out of the serialised records, not cloned: a batch logs
        // every field of each record it creates.
        let take = |map: &mut serde_json::Map<String, Value>| match map.remove(field) {
            Some(_) if sensitive(field) => Value::String("***".into()),
            Some(value) => value,
            None => Value::Null,
        };
        let (from, to) = (take(&mut before), take(&mut after));
        let mut change = serde_json::Map::new();
        change.insert("from".to_owned(), from);
        change.insert("to".to_owned(), to);
        out.insert(field.clone(), Value::Object(change));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = change_log)]
pub struct ChangeRow {
    pub seq: i64,
    pub entity: String,
    pub entity_id: Id,
    pub op: String,
    pub changed_fields: Json,
    pub actor_id: Option<Id>,
    pub at: chrono::NaiveDateTime,
    pub channel: Option<String>,
    pub change_values: Option<Json>,
}

/// Entries after `since`, oldest first.
pub fn since(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    since: i64,
    limit: i64,
) -> DbResult<Vec<ChangeRow>> {
    Ok(change_log::table
        .filter(
            change_log::workspace_id
                .eq(Id(workspace_id))
                .and(change_log::seq.gt(since)),
        )
        .order(change_log::seq.asc())
        .limit(limit)
        .select(ChangeRow::as_select())
        .load(conn)?)
}

/// One page of the changes feed as the caller may see it.
pub struct FeedPage {
    pub entries: Vec<ChangeRow>,
    /// The last sequence number examined: the next page starts after it,
    /// even when entries the caller may not see were skipped.
    pub last_seq: i64,
    /// Whether entries after `last_seq` may exist.
    pub has_more: bool,
}

/// What the caller may read, per entity type of the feed.
pub struct FeedScopes {
    pub customers: Visibility,
    /// Contacts follow their customer's owner and team.
    pub contacts: Visibility,
    pub orders: Visibility,
    pub deals: Visibility,
    pub leads: Visibility,
    /// Activities follow their owner (assignee) and team.
    pub activities: Visibility,
    /// Tickets follow their assignee and their customer's owner.
    pub tickets: Visibility,
    /// Products have no owner: all or nothing.
    pub products: bool,
    /// Articles too: all or nothing.
    pub articles: bool,
}

/// Which records of a page of entries a set of scopes admits.
pub(crate) struct Visible {
    customers: HashSet<Id>,
    contacts: HashSet<Id>,
    orders: HashSet<Id>,
    deals: HashSet<Id>,
    leads: HashSet<Id>,
    activities: HashSet<Id>,
    tickets: HashSet<Id>,
    products: bool,
    articles: bool,
}

impl Visible {
    /// Reads, per entity type, the ids of `rows` that `scopes` admit
    /// (deleted records included): one query per entity type present.
    pub(crate) fn of(
        conn: &mut AnyConnection,
        scopes: &FeedScopes,
        rows: &[ChangeRow],
    ) -> DbResult<Visible> {
        let keys: Vec<(&str, Id)> = rows
            .iter()
            .map(|r| (r.entity.as_str(), r.entity_id))
            .collect();
        Self::of_keys(conn, scopes, &keys)
    }

    /// Like [`Visible::of`], for `(entity, id)` pairs.
    pub(crate) fn of_keys(
        conn: &mut AnyConnection,
        scopes: &FeedScopes,
        keys: &[(&str, Id)],
    ) -> DbResult<Visible> {
        let ids_of = |kind: &str| -> Vec<Id> {
            keys.iter()
                .filter(|(entity, _)| *entity == kind)
                .map(|(_, id)| *id)
                .collect()
        };
        // The ids of one entity type that the scope's predicate admits.
        macro_rules! visible {
            ($kind:expr, $table:ident, $predicate:expr) => {{
                let ids = ids_of($kind);
                if ids.is_empty() {
                    HashSet::new()
                } else {
                    $table::table
                        .filter($predicate)
                        .filter($table::id.eq_any(ids))
                        .select($table::id)
                        .load::<Id>(conn)?
                        .into_iter()
                        .collect::<HashSet<Id>>()
                }
            }};
        }
        let customers = visible!(
            CUSTOMER,
            customers,
            scopes.customers.customers_with_deleted()
        );
        let contact_ids = ids_of(CONTACT);
        let contacts: HashSet<Id> = if contact_ids.is_empty() {
            HashSet::new()
        } else {
            contacts::table
                .inner_join(customers::table)
                .filter(scopes.contacts.contacts_with_deleted())
                .filter(contacts::id.eq_any(contact_ids))
                .select(contacts::id)
                .load::<Id>(conn)?
                .into_iter()
                .collect()
        };
        Ok(Visible {
            customers,
            contacts,
            orders: visible!(ORDER, orders, scopes.orders.orders_with_deleted()),
            deals: visible!(DEAL, deals, scopes.deals.deals_with_deleted()),
            leads: visible!(LEAD, leads, scopes.leads.leads_with_deleted()),
            activities: visible!(
                ACTIVITY,
                activities,
                scopes.activities.activities_with_deleted()
            ),
            tickets: visible!(TICKET, tickets, scopes.tickets.tickets()),
            products: scopes.products,
            articles: scopes.articles,
        })
    }

    /// Whether the entry's record is among those admitted; entity types
    /// the feed does not expose never are.
    pub(crate) fn admits(&self, row: &ChangeRow) -> bool {
        self.admits_key(&row.entity, row.entity_id)
    }

    pub(crate) fn admits_key(&self, entity: &str, id: Id) -> bool {
        match entity {
            CUSTOMER => self.customers.contains(&id),
            CONTACT => self.contacts.contains(&id),
            ORDER => self.orders.contains(&id),
            DEAL => self.deals.contains(&id),
            LEAD => self.leads.contains(&id),
            ACTIVITY => self.activities.contains(&id),
            TICKET => self.tickets.contains(&id),
            PRODUCT => self.products,
            ARTICLE => self.articles,
            _ => false,
        }
    }
}

/// Entries after `since` (of one entity type, if given) whose record the
/// caller can see, deleted records included. Other entity types are not
/// exposed. Scans at most `limit` entries.
pub fn feed(
    conn: &mut AnyConnection,
    scopes: &FeedScopes,
    entity: Option<&str>,
    since: i64,
    limit: i64,
) -> DbResult<FeedPage> {
    let mut query = change_log::table
        .filter(
            change_log::workspace_id
                .eq(Id(scopes.customers.workspace_id))
                .and(change_log::seq.gt(since)),
        )
        .order(change_log::seq.asc())
        .limit(limit)
        .select(ChangeRow::as_select())
        .into_boxed();
    if let Some(entity) = entity {
        query = query.filter(change_log::entity.eq(entity.to_owned()));
    }
    let rows: Vec<ChangeRow> = query.load(conn)?;
    let has_more = rows.len() as i64 == limit;
    let last_seq = rows.last().map_or(since, |r| r.seq);
    let visible = Visible::of(conn, scopes, &rows)?;
    let entries = rows.into_iter().filter(|r| visible.admits(r)).collect();
    Ok(FeedPage {
        entries,
        last_seq,
        has_more,
    })
}

/// The entity names the log uses for the records the feed exposes.
pub const CUSTOMER: &str = "customer";
pub const CONTACT: &str = "contact";
pub const PRODUCT: &str = "product";
pub const ORDER: &str = "order";
pub const DEAL: &str = "deal";
pub const LEAD: &str = "lead";
pub const ACTIVITY: &str = "activity";
pub const TICKET: &str = "ticket";
pub const ARTICLE: &str = "article";

/// Runs `f` in a transaction, keeping the caller's error type. On SQLite it
/// first waits for the database's next writer's turn (`write_turns`).
pub fn transaction<T, E: From<crate::DbError>>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E> {
    enum TxError<E> {
        Diesel(diesel::result::Error),
        App(E),
    }
    impl<E> From<diesel::result::Error> for TxError<E> {
        fn from(err: diesel::result::Error) -> Self {
            TxError::Diesel(err)
        }
    }
    let turn = crate::write_turns::take(conn);
    // A change appended here is announced on commit (`crate::events`).
    let outcome = conn
        .transaction::<T, TxError<E>, _>(|c| {
            let value = f(c).map_err(TxError::App)?;
            crate::events::announce(c).map_err(|e| TxError::App(E::from(e)))?;
            Ok(value)
        })
        .map_err(|err| match err {
            TxError::Diesel(e) => E::from(crate::DbError::from(e)),
            TxError::App(e) => e,
        });
    drop(turn);
    crate::events::settle(outcome.is_ok());
    outcome
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::values;

    #[test]
    fn values_hold_each_field_once_from_before_to_after_with_secrets_masked() {
        let before = json!({"name": "甲", "password_hash": "x", "tags": ["a"]});
        let after = json!({"name": "乙", "password_hash": "y", "city": "深圳"});
        let fields: Vec<String> = ["name", "password_hash", "city", "tags", "name"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(
            values(&fields, Some(&before), Some(&after)),
            Some(json!({
                "name": {"from": "甲", "to": "乙"},
                "password_hash": {"from": "***", "to": "***"},
                "city": {"from": null, "to": "深圳"},
                "tags": {"from": ["a"], "to": null},
            }))
        );
        assert_eq!(
            values(&fields[2..3], None, Some(&after)),
            Some(json!({"city": {"from": null, "to": "深圳"}}))
        );
        assert_eq!(values::<serde_json::Value>(&[], None, Some(&after)), None);
    }

    #[test]
    fn changed_fields_name_what_differs_and_nothing_for_an_equal_record() {
        let before = json!({"name": "甲", "city": "深圳", "n": 1});
        let after = json!({"name": "甲", "city": "广州", "n": 2});
        assert_eq!(super::changed_fields(&before, &after), ["city", "n"]);
        assert!(super::changed_fields(&before, &before.clone()).is_empty());
    }

    #[test]
    fn a_secret_is_masked_whatever_the_case_of_its_name() {
        for field in ["Api_Key", "ERP_TOKEN", "clientSecret", "password"] {
            assert!(super::sensitive(field), "{field}");
        }
        for field in ["name", "Phone", "Province_Code"] {
            assert!(!super::sensitive(field), "{field}");
        }
    }
}
