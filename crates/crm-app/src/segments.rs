//! Saved customer segments: their stored rules.

use crm_api_types::segments::SegmentRules;
use crm_db::segments::SegmentRow;

use crate::AppError;

/// The stored rules; rows are written only through validated fields, so a
/// row that does not parse is a server fault.
pub fn rules_of(row: &SegmentRow) -> Result<SegmentRules, AppError> {
    serde_json::from_value(row.rules.0.clone())
        .map_err(|e| AppError::Internal(format!("segment {} has unreadable rules: {e}", row.id.0)))
}
