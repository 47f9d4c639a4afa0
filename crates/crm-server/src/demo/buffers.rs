//! The demo loader's write buffers: customers flushed a chunk per
//! transaction, and the statistics refresh that keeps a growing table's
//! foreign-key checks on their index.

use crm_db::AnyConnection;
use crm_db::batch::BatchChange;
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

/// Customers waiting for their multi-row insert.
#[derive(Default)]
pub(super) struct CustomerBatch {
    pub(super) rows: Vec<CustomerRow>,
    pub(super) tags: Vec<(Uuid, Vec<Uuid>)>,
    growth: Growth,
}

impl CustomerBatch {
    pub(super) fn flush(&mut self, conn: &mut AnyConnection, ws: Uuid) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
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
            )
        })?;
        self.growth.add(conn, "customers", self.rows.len())?;
        self.rows.clear();
        self.tags.clear();
        Ok(())
    }
}
