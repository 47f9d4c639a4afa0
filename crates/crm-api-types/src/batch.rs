//! `POST /api/v1/{entity}/batch`: up to 1,000 records in one request, each
//! answered on its own (`{index, status, id, errors}`), or all refused
//! together with `all_or_none`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// Most records one batch may carry.
pub const MAX_RECORDS: usize = 1000;

crm_domain::string_enum! {
    /// What a batch does with each record.
    BatchMode {
        /// Every record is new (`external_id` optional, must be unused).
        Create = "create",
        /// Every record exists: named by `id` or `external_id`; merge patch.
        Update = "update",
        /// By `external_id` (required): merge-patch it when it exists, create it otherwise.
        Upsert = "upsert",
    }
}

crm_domain::string_enum! {
    /// What happened to one record.
    RecordStatus {
        Created = "created",
        Updated = "updated",
        /// It existed and the record changed nothing: nothing written, no change-log entry.
        Unchanged = "unchanged",
        /// Refused; `errors` says why. With `all_or_none` nothing was written.
        Failed = "failed",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "mode": "upsert", "all_or_none": false,
    "records": [{"external_id": "ERP-000123", "kind": "organization", "name": "广州云帆科技有限公司"}]
}))]
pub struct BatchRequest {
    pub mode: BatchMode,
    /// `true`: if any record fails, nothing is written and the answer is 422
    /// naming each failure as `records[i].field`. Default `false`: the good
    /// records are written and the failures reported per record.
    #[serde(default)]
    pub all_or_none: bool,
    /// 1–1,000 records. Each is the entity's merge-patch body (the create
    /// body for `create`), plus `id` to name the record in `update` mode.
    #[schema(value_type = Vec<Object>)]
    #[schema(min_items = 1, max_items = 1000)]
    pub records: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecordResult {
    /// Position of the record in `records`, from 0.
    pub index: usize,
    pub status: RecordStatus,
    pub id: Option<Uuid>,
    /// The record's version after the batch.
    pub version: Option<i32>,
    /// Field → messages, for failed records.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchResponse {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// One per record, in request order.
    pub results: Vec<RecordResult>,
}

impl BatchResponse {
    pub fn new(results: Vec<RecordResult>) -> Self {
        let count = |s: RecordStatus| results.iter().filter(|r| r.status == s).count();
        Self {
            created: count(RecordStatus::Created),
            updated: count(RecordStatus::Updated),
            unchanged: count(RecordStatus::Unchanged),
            failed: count(RecordStatus::Failed),
            results,
        }
    }
}
