//! A customer as a client describes it (from a create body, or the current
//! record with a merge patch applied), its validation into the stored form
//! (regions, owner, team, custom fields, the actor's scope), and the view.

use chrono::{NaiveDate, Utc};
use crm_api_types::customers::{Customer, CustomerPatch, NewCustomer};
use crm_api_types::patch::apply;
use crm_api_types::tags::TagRef;
use crm_db::AnyConnection;
use crm_db::customers::{CustomerFields, CustomerRow};
use crm_db::types::{Id, Json};
use crm_domain::access::{Ownership, Principal, Scope};
use crm_domain::custom_field::{FieldEntity, validate_values};
use crm_domain::customer::{CustomerKind, Gender, Industry, LifecycleStage, SizeBand, Source};
use crm_domain::money::Money;
use crm_domain::region::RegionPath;
use crm_domain::validation::{bounded_text, multiline_text};
use crm_domain::{Email, FieldErrors, Phone, RegionCode};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::AppError;
use crate::lookups::Lookups;
use crate::views::{object, utc, vocab};

#[derive(Debug, Clone)]
pub struct Input {
    pub kind: CustomerKind,
    pub name: String,
    pub external_id: Option<String>,
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub industry: Option<Industry>,
    pub size_band: Option<SizeBand>,
    pub employee_count: Option<i32>,
    pub annual_revenue: Option<Money>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub country_code: Option<String>,
    pub province_code: Option<String>,
    pub city_code: Option<String>,
    pub district_code: Option<String>,
    pub address: Option<String>,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub source: Option<Source>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub custom_fields: Map<String, Value>,
}

impl From<NewCustomer> for Input {
    fn from(b: NewCustomer) -> Self {
        Input {
            kind: b.kind,
            name: b.name,
            external_id: b.external_id,
            owner_id: b.owner_id,
            team_id: b.team_id,
            industry: b.industry,
            size_band: b.size_band,
            employee_count: b.employee_count,
            annual_revenue: b.annual_revenue,
            email: b.email,
            phone: b.phone,
            website: b.website,
            country_code: b.country_code,
            province_code: b.province_code,
            city_code: b.city_code,
            district_code: b.district_code,
            address: b.address,
            gender: b.gender,
            birth_date: b.birth_date,
            source: b.source,
            lifecycle_stage: b.lifecycle_stage,
            custom_fields: b.custom_fields,
        }
    }
}

impl Input {
    /// The stored record as input, so a PATCH can be applied and re-validated whole.
    pub fn from_row(row: &CustomerRow) -> Self {
        let f = &row.fields;
        Input {
            kind: CustomerKind::parse(&f.kind).unwrap_or(CustomerKind::Organization),
            name: f.name.clone(),
            external_id: f.external_id.clone(),
            owner_id: f.owner_id.map(Uuid::from),
            team_id: f.team_id.map(Uuid::from),
            industry: vocab(f.industry.as_deref(), Industry::parse),
            size_band: vocab(f.size_band.as_deref(), SizeBand::parse),
            employee_count: f.employee_count,
            annual_revenue: money(f.annual_revenue_minor, f.annual_revenue_currency.as_deref()),
            email: f.email.clone(),
            phone: f.phone.clone(),
            website: f.website.clone(),
            country_code: f.country_code.clone(),
            province_code: f.province_code.clone(),
            city_code: f.city_code.clone(),
            district_code: f.district_code.clone(),
            address: f.address.clone(),
            gender: vocab(f.gender.as_deref(), Gender::parse),
            birth_date: f.birth_date,
            source: vocab(f.source.as_deref(), Source::parse),
            lifecycle_stage: vocab(f.lifecycle_stage.as_deref(), LifecycleStage::parse),
            custom_fields: object(&f.custom_fields.0),
        }
    }

    /// Applies a merge patch. A new owner without an explicit team moves the
    /// record to the new owner's team (resolved later, hence `team_from_owner`).
    pub fn apply(mut self, p: CustomerPatch) -> (Self, bool) {
        let owner_changed = p.owner_id.is_some() && p.owner_id != Some(self.owner_id);
        let team_from_owner = owner_changed && p.team_id.is_none();
        self.kind = p.kind.unwrap_or(self.kind);
        self.name = p.name.unwrap_or(self.name);
        self.external_id = apply(self.external_id, p.external_id);
        self.owner_id = apply(self.owner_id, p.owner_id);
        self.team_id = apply(self.team_id, p.team_id);
        self.industry = apply(self.industry, p.industry);
        self.size_band = apply(self.size_band, p.size_band);
        self.employee_count = apply(self.employee_count, p.employee_count);
        self.annual_revenue = apply(self.annual_revenue, p.annual_revenue);
        self.email = apply(self.email, p.email);
        self.phone = apply(self.phone, p.phone);
        self.website = apply(self.website, p.website);
        self.country_code = apply(self.country_code, p.country_code);
        self.province_code = apply(self.province_code, p.province_code);
        self.city_code = apply(self.city_code, p.city_code);
        self.district_code = apply(self.district_code, p.district_code);
        self.address = apply(self.address, p.address);
        self.gender = apply(self.gender, p.gender);
        self.birth_date = apply(self.birth_date, p.birth_date);
        self.source = apply(self.source, p.source);
        self.lifecycle_stage = apply(self.lifecycle_stage, p.lifecycle_stage);
        if let Some(changes) = p.custom_fields {
            for (key, value) in changes {
                if value.is_null() {
                    self.custom_fields.remove(&key);
                } else {
                    self.custom_fields.insert(key, value);
                }
            }
        }
        (self, team_from_owner)
    }
}

fn money(amount: Option<i64>, currency: Option<&str>) -> Option<Money> {
    Some(Money {
        amount_minor: amount?,
        currency: currency?.to_owned(),
    })
}

fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    errors.take(field, bounded_text(value, 1, max))
}

/// [`optional_text`] for a field that may span lines.
fn multiline(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    errors.take(field, multiline_text(value, 1, max))
}

fn region(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<RegionCode> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    errors.take(field, RegionCode::parse(value))
}

/// Validates everything that needs no database, and checks regions and
/// custom fields against the reference table and the definitions.
pub fn validate(
    conn: &mut AnyConnection,
    lookups: &mut Lookups,
    workspace_id: Uuid,
    input: &Input,
    errors: &mut FieldErrors,
) -> Result<CustomerFields, AppError> {
    let name = errors
        .take("name", bounded_text(&input.name, 1, 200))
        .unwrap_or_default();
    let external_id = optional_text(errors, "external_id", input.external_id.as_deref(), 100);
    let email = input
        .email
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| {
            errors
                .take("email", Email::parse(v))
                .map(Email::into_string)
        });
    let phone = input
        .phone
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| {
            errors
                .take("phone", Phone::parse(v))
                .map(Phone::into_string)
        });
    let website = optional_text(errors, "website", input.website.as_deref(), 255);
    let address = multiline(errors, "address", input.address.as_deref(), 500);
    if input.employee_count.is_some_and(|n| n < 0) {
        errors.add("employee_count", "must not be negative");
    }
    let revenue = input
        .annual_revenue
        .as_ref()
        .and_then(|m| errors.take("annual_revenue", Money::parse(m.amount_minor, &m.currency)));
    if input.kind == CustomerKind::Organization {
        if input.gender.is_some() {
            errors.add("gender", "applies to persons only");
        }
        if input.birth_date.is_some() {
            errors.add("birth_date", "applies to persons only");
        }
    }
    if let Some(date) = input.birth_date {
        errors.take("birth_date", crm_domain::validation::sane_date(date));
    }
    if input
        .birth_date
        .is_some_and(|d| d > Utc::now().date_naive())
    {
        errors.add("birth_date", "must not be in the future");
    }
    let path = RegionPath {
        country: region(errors, "country_code", input.country_code.as_deref()),
        province: region(errors, "province_code", input.province_code.as_deref()),
        city: region(errors, "city_code", input.city_code.as_deref()),
        district: region(errors, "district_code", input.district_code.as_deref()),
    };
    // A Chinese division implies the country.
    let country = path.country.clone().or_else(|| {
        path.province
            .as_ref()
            .map(|_| RegionCode::parse("CN"))
            .and_then(Result::ok)
    });
    let path = RegionPath { country, ..path };
    lookups.check_region_path(conn, &path, errors)?;
    let defs = lookups.field_defs(conn, workspace_id, FieldEntity::Customer)?;
    let custom_fields = match validate_values(defs, &input.custom_fields) {
        Ok(clean) => clean,
        Err(field_errors) => {
            errors.merge(field_errors);
            Map::new()
        }
    };
    Ok(CustomerFields {
        kind: input.kind.as_str().to_owned(),
        name,
        external_id,
        owner_id: input.owner_id.map(Id),
        team_id: input.team_id.map(Id),
        industry: input.industry.map(|v| v.as_str().to_owned()),
        size_band: input.size_band.map(|v| v.as_str().to_owned()),
        employee_count: input.employee_count,
        annual_revenue_minor: revenue.as_ref().map(|m| m.amount_minor),
        annual_revenue_currency: revenue.map(|m| m.currency),
        email,
        phone,
        website,
        country_code: path.country.map(RegionCode::into_string),
        province_code: path.province.map(RegionCode::into_string),
        city_code: path.city.map(RegionCode::into_string),
        district_code: path.district.map(RegionCode::into_string),
        address,
        gender: input.gender.map(|v| v.as_str().to_owned()),
        birth_date: input.birth_date,
        source: input.source.map(|v| v.as_str().to_owned()),
        lifecycle_stage: input.lifecycle_stage.map(|v| v.as_str().to_owned()),
        custom_fields: Json(Value::Object(custom_fields)),
        search_text: String::new(),
    }
    .with_search_text())
}

/// Resolves and checks owner and team: the owner must be an active user of
/// the workspace, the team defaults to the owner's, the caller's scope for
/// the action must cover the resulting record, and a record that is created
/// or changes team must land in a team the caller's scope reaches
/// (`previous_team`: `None` when creating).
#[expect(
    clippy::too_many_arguments,
    reason = "one check over the write's parts"
)]
pub fn check_ownership(
    conn: &mut AnyConnection,
    lookups: &mut Lookups,
    workspace_id: Uuid,
    fields: &mut CustomerFields,
    team_from_owner: bool,
    (scope, principal): (Scope, &Principal),
    previous_team: Option<Option<Uuid>>,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    if let Some(owner) = fields.owner_id {
        match lookups.user(conn, workspace_id, owner.0)? {
            Some(user) if user.active => {
                if fields.team_id.is_none() || team_from_owner {
                    fields.team_id = user.team_id;
                }
            }
            Some(_) => errors.add("owner_id", "is a deactivated user"),
            None => errors.add("owner_id", "is not a user of this workspace"),
        }
    }
    if let Some(team) = fields.team_id
        && lookups.team(conn, workspace_id, team.0)?.is_none()
    {
        errors.add("team_id", "is not a team of this workspace");
    }
    if !errors.is_empty() {
        return Ok(());
    }
    let record = Ownership {
        owner_id: fields.owner_id.map(Uuid::from),
        team_id: fields.team_id.map(Uuid::from),
    };
    if !scope.covers(principal, record) {
        return Err(AppError::Forbidden(
            "your role may not assign customers to that owner or team".into(),
        ));
    }
    if previous_team != Some(record.team_id) && !scope.may_place(principal, record.team_id) {
        return Err(AppError::Forbidden(
            "your role may not move customers into that team".into(),
        ));
    }
    Ok(())
}

pub fn view(row: CustomerRow, tags: Vec<TagRef>) -> Customer {
    let f = row.fields;
    Customer {
        id: row.id.0,
        kind: CustomerKind::parse(&f.kind).unwrap_or(CustomerKind::Organization),
        name: f.name,
        external_id: f.external_id,
        owner_id: f.owner_id.map(Uuid::from),
        team_id: f.team_id.map(Uuid::from),
        industry: vocab(f.industry.as_deref(), Industry::parse),
        size_band: vocab(f.size_band.as_deref(), SizeBand::parse),
        employee_count: f.employee_count,
        annual_revenue: money(f.annual_revenue_minor, f.annual_revenue_currency.as_deref()),
        email: f.email,
        phone: f.phone,
        website: f.website,
        country_code: f.country_code,
        province_code: f.province_code,
        city_code: f.city_code,
        district_code: f.district_code,
        address: f.address,
        gender: vocab(f.gender.as_deref(), Gender::parse),
        birth_date: f.birth_date,
        source: vocab(f.source.as_deref(), Source::parse),
        lifecycle_stage: vocab(f.lifecycle_stage.as_deref(), LifecycleStage::parse),
        tags,
        custom_fields: object(&f.custom_fields.0),
        metrics: None,
        version: row.version,
        created_by: row.created_by.map(Uuid::from),
        updated_by: row.updated_by.map(Uuid::from),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}
