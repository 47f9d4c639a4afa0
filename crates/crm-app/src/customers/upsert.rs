//! Upsert by external id: create or update a customer by the key of the
//! system it comes from (an ERP's customer number). Updates are merge
//! patches like `update`; a create needs `kind` and `name`. One transaction
//! either way, so a retried request cannot create a second record.

use crm_api_types::customers::{Customer, CustomerPatch, NewCustomer};
use crm_db::AnyConnection;
use crm_db::change_log::{lock_workspace, transaction};
use crm_domain::access::{Action, ObjectType};

use super::write::{create_in, update_in};
use crate::upsert::{present_values, require_for_create, same_key};
use crate::{Actor, AppError, Expected};

/// The create body a patch describes; `kind` and `name` are required.
pub fn to_new(patch: CustomerPatch, external_id: Option<String>) -> Result<NewCustomer, AppError> {
    require_for_create(
        &[
            ("kind", patch.kind.is_some()),
            ("name", patch.name.is_some()),
        ],
        "customer",
    )?;
    Ok(NewCustomer {
        kind: patch
            .kind
            .unwrap_or(crm_domain::customer::CustomerKind::Organization),
        name: patch.name.unwrap_or_default(),
        external_id: external_id.or(patch.external_id.flatten()),
        owner_id: patch.owner_id.flatten(),
        team_id: patch.team_id.flatten(),
        industry: patch.industry.flatten(),
        size_band: patch.size_band.flatten(),
        employee_count: patch.employee_count.flatten(),
        annual_revenue: patch.annual_revenue.flatten(),
        email: patch.email.flatten(),
        phone: patch.phone.flatten(),
        website: patch.website.flatten(),
        country_code: patch.country_code.flatten(),
        province_code: patch.province_code.flatten(),
        city_code: patch.city_code.flatten(),
        district_code: patch.district_code.flatten(),
        address: patch.address.flatten(),
        gender: patch.gender.flatten(),
        birth_date: patch.birth_date.flatten(),
        source: patch.source.flatten(),
        lifecycle_stage: patch.lifecycle_stage.flatten(),
        tag_ids: patch.tag_ids.unwrap_or_default(),
        custom_fields: present_values(patch.custom_fields),
    })
}

/// Creates or updates the customer with this external id; `true` when it
/// was created. A patch `external_id` must equal `external_id`. A record
/// with the key that the actor may not see is `NotFound`, like any hidden one.
pub fn upsert(
    conn: &mut AnyConnection,
    actor: &Actor,
    external_id: String,
    expected: Expected,
    patch: CustomerPatch,
) -> Result<(Customer, bool), AppError> {
    same_key(&patch.external_id, &external_id)?;
    transaction(conn, |conn| {
        let ws = actor.workspace_id;
        lock_workspace(conn, ws)?;
        match crm_db::customers::id_by_external_id(conn, ws, &external_id)? {
            Some(id) => Ok((update_in(conn, actor, id, expected, patch)?, false)),
            None => {
                actor.require(ObjectType::Customers, Action::Create)?;
                let new = to_new(patch, Some(external_id))?;
                Ok((create_in(conn, actor, new)?, true))
            }
        }
    })
}
