//! The workspace's analytics settings: the base currency revenue is
//! counted in and the silence after which a customer has churned. Whoever
//! reads customers reads them; whoever may edit roles changes them, and a
//! new currency recomputes every customer's metrics.

use crm_api_types::analytics::AnalyticsSettings;
use crm_db::AnyConnection;
use crm_domain::access::{Action, ObjectType};
use crm_domain::money::parse_currency;
use crm_domain::validation::FieldErrors;

use crate::{Actor, AppError};

fn view(s: crm_db::metrics::Settings) -> AnalyticsSettings {
    AnalyticsSettings {
        base_currency: s.base_currency,
        churn_after_days: s.churn_after_days,
    }
}

pub fn get(conn: &mut AnyConnection, actor: &Actor) -> Result<AnalyticsSettings, AppError> {
    actor.require(ObjectType::Customers, Action::Read)?;
    Ok(view(crm_db::metrics::settings(conn, actor.workspace_id)?))
}

/// Checks the settings before any write: the grant, a known currency and
/// a churn period of 7 to 3650 days.
pub fn check(actor: &Actor, body: &AnalyticsSettings) -> Result<String, AppError> {
    actor.require_all(ObjectType::Roles, Action::Update)?;
    let mut errors = FieldErrors::new();
    let currency = parse_currency(&body.base_currency)
        .map_err(|m| errors.add("base_currency", m))
        .ok();
    if !(7..=3650).contains(&body.churn_after_days) {
        errors.add("churn_after_days", "must be between 7 and 3650");
    }
    currency
        .filter(|_| errors.is_empty())
        .ok_or(AppError::Validation(errors))
}

pub fn put(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: AnalyticsSettings,
) -> Result<AnalyticsSettings, AppError> {
    let currency = check(actor, &body)?;
    let days = body.churn_after_days;
    crm_db::change_log::transaction(conn, |conn| {
        crm_db::change_log::lock_workspace(conn, actor.workspace_id)?;
        Ok(view(crm_db::metrics::save_settings(
            conn,
            actor.workspace_id,
            &currency,
            days,
        )?))
    })
}
