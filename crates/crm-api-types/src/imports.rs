//! CSV import jobs: upload a file (`POST /imports?entity=`), map its
//! columns to fields, check it with a dry run, run it, follow its progress,
//! cancel it, and download the refused rows as a CSV to fix and upload again.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::batch::BatchMode;

crm_domain::string_enum! {
    /// What a file's rows become.
    ImportEntity {
        Customers = "customers",
        Products = "products",
        /// People at organisation customers, named by `customer_external_id`.
        Contacts = "contacts",
        /// One row per order line; an order's lines are consecutive rows with its `external_id`.
        Orders = "orders",
        /// Deals on pipelines, named with their stage by name.
        Deals = "deals",
    }
}

crm_domain::string_enum! {
    /// Where an import stands. A dry run goes `checking` → `checked`; the run
    /// goes `running` → `completed` (or `failed`, or `cancelled` by a cancel,
    /// which keeps the batches already written).
    ImportStatus {
        Uploaded = "uploaded",
        Checking = "checking",
        Checked = "checked",
        Running = "running",
        Completed = "completed",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

impl ImportStatus {
    /// A pass is reading the file.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Checking | Self::Running)
    }
}

/// `POST /api/v1/imports` query: the body is the CSV file itself.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    pub entity: ImportEntity,
    /// The file's name, for people (default `import.csv`).
    pub file_name: Option<String>,
    /// `utf-8` or `gb18030` (also `gbk`); default: detected (a byte-order
    /// mark, else UTF-8 when every byte sequence is valid UTF-8, else GB18030).
    pub encoding: Option<String>,
}

/// A field a column can fill.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportField {
    /// The name to use in `mapping` (`custom.<key>` for custom fields).
    pub name: String,
    /// The record always needs it when created.
    pub required: bool,
    /// How a cell is read, e.g. "text", "integer", "money", "date", "one of …".
    pub format: String,
}

/// An uploaded file and its import.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Import {
    pub id: Uuid,
    pub entity: ImportEntity,
    pub file_name: String,
    pub file_size: i64,
    /// `utf-8` or `gb18030`.
    pub encoding: String,
    /// The field separator found in the header line.
    pub delimiter: String,
    /// The header's column names (blank or repeated names made unique).
    pub columns: Vec<String>,
    /// Up to 5 first data rows.
    pub sample: Vec<Vec<String>>,
    /// The fields the entity's columns can fill.
    pub fields: Vec<ImportField>,
    /// Column → field: the one given to the last pass, else a suggestion
    /// from the column names (English or Chinese).
    pub mapping: BTreeMap<String, String>,
    pub mode: BatchMode,
    pub status: ImportStatus,
    /// The current or last pass was a dry run (writes rolled back).
    pub dry_run: bool,
    /// Data rows read so far by the current or last pass.
    pub rows_read: i64,
    /// Share of the file read, 0–100.
    pub percent: f64,
    /// Records created (for orders: orders, whose lines are rows).
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    /// Rows refused; `GET /imports/{id}/errors` lists them.
    pub failed: i64,
    /// Why the job failed (`status` = `failed`).
    pub failure: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/imports/{id}/start`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mapping": {"客户名称": "name", "编号": "external_id", "省份": "province"}, "mode": "upsert", "dry_run": true}))]
pub struct StartImport {
    /// Column name → field name; columns left out are not read.
    pub mapping: BTreeMap<String, String>,
    /// `upsert` (default) and `update` match rows by `external_id`; `create` only creates.
    #[serde(default = "upsert")]
    pub mode: BatchMode,
    /// Check every row and report what would happen, writing nothing.
    #[serde(default)]
    pub dry_run: bool,
}

fn upsert() -> BatchMode {
    BatchMode::Upsert
}

/// `GET /api/v1/imports`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportList {
    pub items: Vec<Import>,
}
