//! Lead conversion: one transaction that creates the customer (an
//! organisation when the lead names a company, else the person) or links a
//! visible one, adds the person as a contact of an organisation, optionally
//! opens a deal, and marks the lead converted. Each record it creates gets
//! its own change-log entry with its values.

use crm_api_types::contacts::NewContact;
use crm_api_types::customers::NewCustomer;
use crm_api_types::deals::NewDeal;
use crm_api_types::leads::{Conversion, ConversionDeal, ConvertLead};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields};
use crm_db::leads::LeadFields;
use crm_db::types::Id;
use crm_domain::access::{Action, ObjectType};
use crm_domain::sales::LeadStatus;
use serde_json::json;
use uuid::Uuid;

use super::{ENTITY, find_for, view};
use crate::{Actor, AppError};

/// `Conflict` unless the lead may still be converted.
pub fn convertible(status: &str) -> Result<(), AppError> {
    let why = match LeadStatus::parse(status) {
        Ok(LeadStatus::Converted) => "the lead is already converted",
        Ok(LeadStatus::Disqualified) => "the lead is disqualified",
        _ => return Ok(()),
    };
    Err(AppError::Conflict {
        field: "status".into(),
        detail: why.into(),
    })
}

/// The customer a lead becomes: an organisation named after its company
/// (the person's e-mail and phone stay with the contact), else the person.
pub fn new_customer(f: &LeadFields) -> Result<NewCustomer, AppError> {
    let is_person = f.company_name.is_none();
    serde_json::from_value(json!({
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
    .map_err(AppError::internal)
}

/// The person of a lead as a contact of `customer_id`.
pub fn new_contact(f: &LeadFields, customer_id: Uuid) -> NewContact {
    NewContact {
        customer_id,
        name: f.person_name.clone(),
        title: f.title.clone(),
        department: None,
        email: f.email.clone(),
        phone: f.phone.clone(),
        is_primary: false,
        external_id: None,
        custom_fields: Default::default(),
    }
}

/// The deal a conversion opens for `customer_id`, named after the company
/// (or the person) unless a name is sent, owned by the lead's owner.
pub fn new_deal(f: &LeadFields, customer_id: Uuid, d: ConversionDeal) -> NewDeal {
    let name = d.name.unwrap_or_else(|| {
        format!(
            "{} 商机",
            f.company_name.as_deref().unwrap_or(&f.person_name)
        )
    });
    NewDeal {
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
        forecast_category: None,
    }
}

/// Converts a visible lead the actor may update, inside the caller's
/// transaction (the workspace lock taken): all or nothing.
pub fn convert_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    body: ConvertLead,
) -> Result<Conversion, AppError> {
    let (lead, _) = find_for(conn, actor, id, Action::Update)?;
    let f = &lead.fields;
    convertible(&f.status)?;
    let (customer_id, created, is_person) = match body.customer_id {
        Some(existing) => {
            let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
            match crm_db::customers::find(conn, &vis, existing) {
                Ok(c) => (c.id.0, false, false),
                Err(crm_db::DbError::NotFound) => {
                    return Err(AppError::validation(
                        "customer_id",
                        "no such customer, or not visible to you",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        None => {
            let new = new_customer(f)?;
            let is_person = f.company_name.is_none();
            let customer = crate::customers::create_in(conn, actor, new)?;
            (customer.id, true, is_person)
        }
    };
    let contact_id = if body.create_contact.unwrap_or(true) && !is_person {
        Some(crate::contacts::create_in(conn, actor, new_contact(f, customer_id))?.id)
    } else {
        None
    };
    let deal_id = match body.deal {
        None => None,
        Some(d) => Some(crate::deals::create_in(conn, actor, new_deal(f, customer_id, d))?.id),
    };
    let mut fields = lead.fields.clone();
    fields.status = LeadStatus::Converted.as_str().to_owned();
    fields.converted_customer_id = Some(Id(customer_id));
    fields.converted_contact_id = contact_id.map(Id);
    fields.converted_deal_id = deal_id.map(Id);
    fields.converted_at = Some(crm_db::time::now());
    let changed = changed_fields(&lead.fields, &fields);
    let row = crm_db::leads::update(conn, &lead, lead.version, Some(actor.user_id()), fields)?;
    let values = crm_db::change_log::values(&changed, Some(&lead.fields), Some(&row.fields));
    actor.record_change(conn, ENTITY, row.id.0, Op::Update, changed, values)?;
    Ok(Conversion {
        lead: view(row),
        customer_id,
        customer_created: created,
        contact_id,
        deal_id,
    })
}

/// Converts a lead (see [`convert_in`]) in its own transaction.
pub fn convert(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    body: ConvertLead,
) -> Result<Conversion, AppError> {
    crm_db::change_log::transaction(conn, |conn| {
        crm_db::change_log::lock_workspace(conn, actor.workspace_id)?;
        convert_in(conn, actor, id, body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::customer::CustomerKind;
    use crm_domain::money::Money;

    fn lead(company: Option<&str>) -> LeadFields {
        LeadFields {
            company_name: company.map(str::to_owned),
            person_name: "王芳".into(),
            email: Some("wang@example.com".into()),
            province_code: Some("330000".into()),
            ..super::super::rules::blank()
        }
    }

    #[test]
    fn a_lead_with_a_company_becomes_an_organisation_without_the_persons_details() {
        let c = new_customer(&lead(Some("杭州茶社"))).expect("customer");
        assert_eq!(c.kind, CustomerKind::Organization);
        assert_eq!(c.name, "杭州茶社");
        assert_eq!(c.email, None);
        assert_eq!(c.country_code.as_deref(), Some("CN"));
        let p = new_customer(&lead(None)).expect("customer");
        assert_eq!(p.kind, CustomerKind::Person);
        assert_eq!(p.name, "王芳");
        assert_eq!(p.email.as_deref(), Some("wang@example.com"));
    }

    #[test]
    fn the_deal_is_named_after_the_company_unless_named() {
        let d = |name: Option<&str>| ConversionDeal {
            name: name.map(str::to_owned),
            pipeline_id: None,
            stage_id: None,
            amount: Money {
                amount_minor: 1,
                currency: "CNY".into(),
            },
            expected_close_date: None,
        };
        let customer = Uuid::from_u128(7);
        let f = lead(Some("杭州茶社"));
        assert_eq!(new_deal(&f, customer, d(None)).name, "杭州茶社 商机");
        assert_eq!(new_deal(&f, customer, d(Some("续约"))).name, "续约");
        assert_eq!(new_deal(&f, customer, d(None)).customer_id, Some(customer));
    }

    #[test]
    fn only_an_open_lead_converts() {
        assert!(convertible("new").is_ok());
        assert!(convertible("qualified").is_ok());
        assert!(matches!(
            convertible("converted"),
            Err(AppError::Conflict { .. })
        ));
        assert!(matches!(
            convertible("disqualified"),
            Err(AppError::Conflict { .. })
        ));
    }
}
