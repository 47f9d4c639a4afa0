//! The contact export table: the contacts a list with a filter shows, for
//! the actor's `export` scope, oldest first on the `created_at` keyset
//! index, one row of cells per contact (the files: [`crate::exports`]).

use crm_db::AnyConnection;
use crm_db::contacts::{ContactFilter, ContactRow, ContactSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::exports::{PAGE, Table, time_text};
use crate::{Actor, AppError};

const HEADER: [&str; 11] = [
    "id",
    "external_id",
    "customer_id",
    "name",
    "title",
    "department",
    "email",
    "phone",
    "is_primary",
    "created_at",
    "updated_at",
];

/// The contacts a list with this filter shows, for the actor's `export` scope.
#[derive(Clone)]
pub struct Contacts {
    actor: Actor,
    filter: ContactFilter,
}

impl Contacts {
    /// The table, when the actor may export contacts.
    pub fn new(actor: Actor, filter: ContactFilter) -> Result<Self, AppError> {
        actor.require(ObjectType::Contacts, Action::Export)?;
        Ok(Self { actor, filter })
    }
}

impl Table for Contacts {
    type Row = ContactRow;
    const NAME: &'static str = "contacts";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<ContactRow>, AppError> {
        let vis = self
            .actor
            .visibility(conn, ObjectType::Contacts, Action::Export)?;
        let keyset = Keyset {
            field: ContactSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::contacts::list(conn, &vis, &self.filter, &keyset)?.0)
    }

    fn key(row: &ContactRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &ContactRow) -> Vec<String> {
        let f = &r.fields;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            r.id.to_string(),
            text(&f.external_id),
            f.customer_id.to_string(),
            f.name.clone(),
            text(&f.title),
            text(&f.department),
            text(&f.email),
            text(&f.phone),
            f.is_primary.to_string(),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}
