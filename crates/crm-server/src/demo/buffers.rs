//! The demo loader's write buffers: customers written a piece per
//! transaction, and the statistics refresh that keeps a growing table's
//! foreign-key checks on their index.

use std::sync::Mutex;

use crm_db::AnyConnection;
use crm_db::batch::BatchChange;
use crm_db::change_log::{Change, Op, record};
use crm_db::contacts::ContactFields;
use crm_db::customers::CustomerRow;
use uuid::Uuid;

use super::created;

/// Refreshes a growing table's statistics each time it passes a power of
/// ten. PostgreSQL caches the plan of each foreign-key check per
/// connection; one made while the table held a handful of rows scans it
/// sequentially, and kept for a million rows that turned the load quadratic.
/// `ANALYZE` replaces the statistics and with them the cached plans.
#[derive(Default)]
pub(super) struct Growth {
    rows: usize,
}

impl Growth {
    pub(super) fn add(
        &mut self,
        conn: &mut AnyConnection,
        table: &str,
        rows: usize,
    ) -> anyhow::Result<()> {
        let before = self.rows;
        self.rows += rows;
        let crossed = [1_000, 10_000, 100_000, 1_000_000]
            .iter()
            .any(|&mark| before < mark && self.rows >= mark);
        if crossed {
            crm_db::batch::analyze(conn, &[table])?;
        }
        Ok(())
    }
}

/// Customers with their tags and the contacts of some, written in one
/// transaction.
#[derive(Default)]
pub(super) struct CustomerBatch {
    pub(super) rows: Vec<CustomerRow>,
    pub(super) tags: Vec<(Uuid, Vec<Uuid>)>,
    pub(super) contacts: Vec<ContactFields>,
}

impl CustomerBatch {
    /// Writes the batch with its change-log entries, then counts its rows
    /// in `growth`.
    pub(super) fn write(
        self,
        conn: &mut AnyConnection,
        ws: Uuid,
        growth: &Mutex<Growth>,
    ) -> anyhow::Result<()> {
        crm_db::change_log::transaction(conn, |conn| -> crm_db::DbResult<()> {
            crm_db::customers::insert_new(conn, &self.rows)?;
            crm_db::tags::add_for_new_customers(conn, ws, &self.tags)?;
            let changes: Vec<BatchChange> = self.rows.iter().map(|r| created(r.id.0)).collect();
            crm_db::batch::record_changes(
                conn,
                ws,
                crm_db::change_log::CUSTOMER,
                None,
                "cli",
                &changes,
            )?;
            for contact in &self.contacts {
                let contact = crm_db::contacts::insert(conn, ws, None, contact)?;
                record(
                    conn,
                    Change {
                        workspace_id: ws,
                        entity: crm_db::change_log::CONTACT,
                        entity_id: contact.id.0,
                        op: Op::Create,
                        changed_fields: vec![],
                        actor_id: None,
                        channel: "cli",
                        values: None,
                    },
                )?;
            }
            Ok(())
        })?;
        growth
            .lock()
            .map_err(|_| anyhow::anyhow!("a demo writer panicked"))?
            .add(conn, "customers", self.rows.len())
    }
}
