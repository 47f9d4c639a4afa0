//! Lead conversion: one transaction that creates the customer (or links a
//! visible one), adds the contact, optionally opens a deal and marks the
//! lead converted.

use crm_api_types::contacts::NewContact;
use crm_api_types::customers::NewCustomer;
use crm_api_types::deals::NewDeal;
use crm_api_types::leads::{Conversion, ConvertLead};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields};
use crm_db::types::Id;
use crm_domain::access::{Action, ObjectType};
use crm_domain::sales::LeadStatus;
use serde_json::json;
use uuid::Uuid;

use super::{ENTITY, find_for, view};
use crate::caller::Caller;
use crate::error::ApiError;

pub(super) fn convert_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    body: ConvertLead,
) -> Result<Conversion, ApiError> {
    let (lead, _) = find_for(conn, caller, id, Action::Update)?;
    let f = &lead.fields;
    match LeadStatus::parse(&f.status) {
        Ok(LeadStatus::Converted) => {
            return Err(ApiError::Conflict {
                field: "status".into(),
                detail: "the lead is already converted".into(),
            });
        }
        Ok(LeadStatus::Disqualified) => {
            return Err(ApiError::Conflict {
                field: "status".into(),
                detail: "the lead is disqualified".into(),
            });
        }
        _ => {}
    }
    let (customer_id, created, is_person) = match body.customer_id {
        Some(existing) => {
            let vis = caller.visibility(conn, ObjectType::Customers, Action::Read)?;
            match crm_db::customers::find(conn, &vis, existing) {
                Ok(c) => (c.id.0, false, false),
                Err(crm_db::DbError::NotFound) => {
                    return Err(ApiError::validation(
                        "customer_id",
                        "no such customer, or not visible to you",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        None => {
            caller.require(ObjectType::Customers, Action::Create)?;
            let is_person = f.company_name.is_none();
            let new: NewCustomer = serde_json::from_value(json!({
                "kind": if is_person { "person" } else { "organization" },
                "name": f.company_name.clone().unwrap_or_else(|| f.person_name.clone()),
                "email": if is_person { f.email.clone() } else { None },
                "phone": if is_person { f.phone.clone() } else { None },
                "country_code": f.province_code.as_ref().map(|_| "CN"),
                "province_code": f.province_code,
                "city_code": f.city_code,
                "source": f.source,
                "owner_id": f.owner_id,
                "lifecycle_stage": "customer",
            }))
            .map_err(ApiError::internal)?;
            let customer = crm_app::customers::create_in(conn, caller, new)?;
            (customer.id, true, is_person)
        }
    };
    let contact_id = if body.create_contact.unwrap_or(true) && !is_person {
        let contact = NewContact {
            customer_id,
            name: f.person_name.clone(),
            title: f.title.clone(),
            department: None,
            email: f.email.clone(),
            phone: f.phone.clone(),
            is_primary: false,
            external_id: None,
            custom_fields: Default::default(),
        };
        caller.require(ObjectType::Contacts, Action::Create)?;
        Some(crm_app::contacts::create_in(conn, caller, contact)?.id)
    } else {
        None
    };
    let deal_id = match body.deal {
        None => None,
        Some(d) => {
            let name = d.name.unwrap_or_else(|| {
                format!(
                    "{} 商机",
                    f.company_name.as_deref().unwrap_or(&f.person_name)
                )
            });
            let new = NewDeal {
                pipeline_id: d.pipeline_id,
                stage_id: d.stage_id,
                customer_id: Some(customer_id),
                customer_external_id: None,
                external_id: None,
                name,
                amount: d.amount,
                probability: None,
                expected_close_date: d.expected_close_date,
                owner_id: f.owner_id.map(Uuid::from),
                lost_reason: None,
            };
            Some(crate::deals::create_in(conn, caller, new)?.id)
        }
    };
    let mut fields = lead.fields.clone();
    fields.status = LeadStatus::Converted.as_str().to_owned();
    fields.converted_customer_id = Some(Id(customer_id));
    fields.converted_contact_id = contact_id.map(Id);
    fields.converted_deal_id = deal_id.map(Id);
    fields.converted_at = Some(crm_db::time::now());
    let changed = changed_fields(&lead.fields, &fields);
    let row = crm_db::leads::update(conn, &lead, lead.version, Some(caller.user_id()), fields)?;
    let values = crm_db::change_log::values(&changed, Some(&lead.fields), Some(&row.fields));
    caller.record_change(conn, ENTITY, row.id.0, Op::Update, changed, values)?;
    Ok(Conversion {
        lead: view(row),
        customer_id,
        customer_created: created,
        contact_id,
        deal_id,
    })
}
