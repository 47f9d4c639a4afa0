//! The rules of a lead write: names, contact details and region checked,
//! `converted` only through conversion, a disqualified lead needs a reason,
//! the owner an active user whom the actor's scope covers, the external id
//! unique.

use crm_api_types::leads::{LeadPatch, NewLead};
use crm_api_types::patch::apply;
use crm_db::AnyConnection;
use crm_db::leads::LeadFields;
use crm_db::types::Id;
use crm_domain::access::Scope;
use crm_domain::region::RegionPath;
use crm_domain::sales::LeadStatus;
use crm_domain::validation::{bounded_text, multiline_text};
use crm_domain::{Email, FieldErrors, Phone, RegionCode};
use uuid::Uuid;

use crate::lookups::{Lookups, check_path};
use crate::{Actor, AppError};

/// A trimmed optional one-line text, absent when blank.
fn text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    errors.take(field, bounded_text(&value, 1, max))
}

/// [`text`] for a field that may span lines.
fn multiline(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    errors.take(field, multiline_text(&value, 1, max))
}

/// The fields of a lead not yet written: `new`, nothing else set.
pub fn blank() -> LeadFields {
    LeadFields {
        status: LeadStatus::New.as_str().to_owned(),
        source: None,
        company_name: None,
        person_name: String::new(),
        title: None,
        email: None,
        phone: None,
        province_code: None,
        city_code: None,
        note: None,
        external_id: None,
        owner_id: None,
        team_id: None,
        disqualified_reason: None,
        converted_customer_id: None,
        converted_contact_id: None,
        converted_deal_id: None,
        converted_at: None,
        search_text: String::new(),
    }
}

/// A create body as a patch of [`blank`]; the owner defaults to `owner`.
pub fn as_patch(b: NewLead, owner: Uuid) -> LeadPatch {
    LeadPatch {
        status: None,
        person_name: Some(b.person_name),
        company_name: Some(b.company_name),
        title: Some(b.title),
        email: Some(b.email),
        phone: Some(b.phone),
        source: Some(b.source),
        province_code: Some(b.province_code),
        city_code: Some(b.city_code),
        note: Some(b.note),
        external_id: Some(b.external_id),
        owner_id: Some(Some(b.owner_id.unwrap_or(owner))),
        disqualified_reason: None,
    }
}

/// The status after a write: `converted` is set by conversion only.
pub fn status(errors: &mut FieldErrors, current: &str, sent: Option<LeadStatus>) -> String {
    match sent {
        Some(LeadStatus::Converted) => {
            errors.add("status", "is set by POST /leads/{id}/convert");
            current.to_owned()
        }
        Some(s) => s.as_str().to_owned(),
        None => current.to_owned(),
    }
}

/// The disqualification reason after a write: required when the lead is
/// disqualified, dropped otherwise.
pub fn disqualified_reason(
    errors: &mut FieldErrors,
    status: &str,
    current: Option<String>,
    sent: Option<Option<String>>,
) -> Option<String> {
    if status != LeadStatus::Disqualified.as_str() {
        return None;
    }
    let reason = multiline(errors, "disqualified_reason", apply(current, sent), 500);
    if reason.is_none() {
        errors.add("disqualified_reason", "is required to disqualify a lead");
    }
    reason
}

/// The lead's fields after the patch, checked (owner, region, scope).
pub fn resolve(
    conn: &mut AnyConnection,
    actor: &Actor,
    base: LeadFields,
    p: LeadPatch,
    scope: Scope,
) -> Result<LeadFields, AppError> {
    let ws = actor.workspace_id;
    let mut errors = FieldErrors::new();
    let status = status(&mut errors, &base.status, p.status);
    let person_name = p.person_name.unwrap_or(base.person_name);
    let person_name = errors
        .take("person_name", bounded_text(person_name.trim(), 1, 100))
        .unwrap_or_default();
    let company_name = text(
        &mut errors,
        "company_name",
        apply(base.company_name, p.company_name),
        200,
    );
    let title = text(&mut errors, "title", apply(base.title, p.title), 100);
    let note = multiline(&mut errors, "note", apply(base.note, p.note), 2000);
    let external_id = text(
        &mut errors,
        "external_id",
        apply(base.external_id, p.external_id),
        100,
    );
    let email = apply(base.email, p.email)
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| {
            errors
                .take("email", Email::parse(&v))
                .map(Email::into_string)
        });
    let phone = apply(base.phone, p.phone)
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| {
            errors
                .take("phone", Phone::parse(&v))
                .map(Phone::into_string)
        });
    let source = match p.source {
        Some(s) => s.map(|s| s.as_str().to_owned()),
        None => base.source,
    };
    let code = |errors: &mut FieldErrors, field: &str, v: Option<String>| {
        v.filter(|v| !v.trim().is_empty())
            .and_then(|v| errors.take(field, RegionCode::parse(v.trim())))
    };
    let province = code(
        &mut errors,
        "province_code",
        apply(base.province_code, p.province_code),
    );
    let city = code(&mut errors, "city_code", apply(base.city_code, p.city_code));
    let path = RegionPath {
        country: province.as_ref().and_then(|_| RegionCode::parse("CN").ok()),
        province,
        city,
        district: None,
    };
    let mut lookups = Lookups::default();
    check_path(conn, &mut lookups, &path, &mut errors)?;
    let disqualified_reason = disqualified_reason(
        &mut errors,
        &status,
        base.disqualified_reason,
        p.disqualified_reason,
    );
    let (owner_id, team_id) = match p.owner_id {
        None => (base.owner_id, base.team_id),
        Some(None) => (None, None),
        Some(Some(owner)) => match lookups.user(conn, ws, owner)? {
            Some(u) if u.active => (Some(Id(owner)), u.team_id),
            Some(_) => {
                errors.add("owner_id", "is a deactivated user");
                (None, None)
            }
            None => {
                errors.add("owner_id", "is not a user of this workspace");
                (None, None)
            }
        },
    };
    errors.into_result().map_err(AppError::Validation)?;
    actor.require_covers(
        conn,
        scope,
        owner_id.map(Uuid::from),
        team_id.map(Uuid::from),
        "assign leads to that owner or team",
    )?;
    Ok(LeadFields {
        status,
        source,
        company_name,
        person_name,
        title,
        email,
        phone,
        province_code: path.province.map(RegionCode::into_string),
        city_code: path.city.map(RegionCode::into_string),
        note,
        external_id,
        owner_id,
        team_id,
        disqualified_reason,
        converted_customer_id: base.converted_customer_id,
        converted_contact_id: base.converted_contact_id,
        converted_deal_id: base.converted_deal_id,
        converted_at: base.converted_at,
        search_text: String::new(),
    }
    .with_search_text())
}

/// `Conflict` when another live lead holds the fields' external id.
pub fn check_external_id(
    conn: &mut AnyConnection,
    actor: &Actor,
    fields: &LeadFields,
    except: Option<Uuid>,
) -> Result<(), AppError> {
    if let Some(ext) = &fields.external_id
        && crm_db::leads::external_id_taken(conn, actor.workspace_id, ext, except)?
    {
        return Err(AppError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converted_is_set_by_conversion_only() {
        let mut errors = FieldErrors::new();
        assert_eq!(status(&mut errors, "new", None), "new");
        assert_eq!(
            status(&mut errors, "new", Some(LeadStatus::Qualified)),
            "qualified"
        );
        assert!(errors.is_empty());
        assert_eq!(
            status(&mut errors, "qualified", Some(LeadStatus::Converted)),
            "qualified"
        );
        assert!(errors.0.contains_key("status"));
    }

    #[test]
    fn a_disqualified_lead_needs_a_reason_and_others_drop_it() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            disqualified_reason(
                &mut errors,
                "disqualified",
                None,
                Some(Some("  预算取消 ".into()))
            ),
            Some("预算取消".into())
        );
        assert_eq!(
            disqualified_reason(&mut errors, "qualified", Some("old".into()), None),
            None
        );
        assert!(errors.is_empty());
        disqualified_reason(&mut errors, "disqualified", None, Some(Some("  ".into())));
        assert!(errors.0.contains_key("disqualified_reason"));
    }
}
