//! Reference data a write checks its records against (regions, users,
//! teams, custom-field definitions), fetched once per request and shared by
//! every record of a batch, so validating 1,000 records costs a handful of
//! queries rather than thousands; and the region-path check made with it.

use std::collections::HashMap;

use crm_db::AnyConnection;
use crm_db::regions::RegionRow;
use crm_db::teams::TeamRow;
use crm_db::users::UserRow;
use crm_domain::FieldErrors;
use crm_domain::custom_field::{FieldDef, FieldEntity};
use crm_domain::region::RegionPath;
use uuid::Uuid;

use crate::AppError;

#[derive(Default)]
pub struct Lookups {
    regions: HashMap<String, Option<RegionRow>>,
    users: HashMap<Uuid, Option<UserRow>>,
    teams: HashMap<Uuid, Option<TeamRow>>,
    all_people_loaded: bool,
    field_defs: HashMap<&'static str, Vec<FieldDef>>,
}

impl Lookups {
    /// Regions with these codes (unknown codes are simply absent); fetches
    /// only codes not seen before, in one query.
    pub fn regions(
        &mut self,
        conn: &mut AnyConnection,
        codes: &[&str],
    ) -> Result<Vec<RegionRow>, AppError> {
        let missing: Vec<&str> = codes
            .iter()
            .copied()
            .filter(|c| !self.regions.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            for code in &missing {
                self.regions.insert((*code).to_owned(), None);
            }
            for row in crm_db::regions::find_many(conn, &missing)? {
                self.regions.insert(row.code.clone(), Some(row));
            }
        }
        Ok(codes
            .iter()
            .filter_map(|c| self.regions.get(*c).cloned().flatten())
            .collect())
    }

    /// Loads every user and team of the workspace at once (for batches).
    pub fn load_people(
        &mut self,
        conn: &mut AnyConnection,
        workspace_id: Uuid,
    ) -> Result<(), AppError> {
        for user in crm_db::users::list(conn, workspace_id, i64::from(i32::MAX))? {
            self.users.insert(user.id.0, Some(user));
        }
        for team in crm_db::teams::list(conn, workspace_id)? {
            self.teams.insert(team.id.0, Some(team));
        }
        self.all_people_loaded = true;
        Ok(())
    }

    pub fn user(
        &mut self,
        conn: &mut AnyConnection,
        workspace_id: Uuid,
        id: Uuid,
    ) -> Result<Option<UserRow>, AppError> {
        if let Some(found) = self.users.get(&id) {
            return Ok(found.clone());
        }
        if self.all_people_loaded {
            return Ok(None);
        }
        let found = match crm_db::users::find(conn, workspace_id, id) {
            Ok(user) => Some(user),
            Err(crm_db::DbError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        self.users.insert(id, found.clone());
        Ok(found)
    }

    pub fn team(
        &mut self,
        conn: &mut AnyConnection,
        workspace_id: Uuid,
        id: Uuid,
    ) -> Result<Option<TeamRow>, AppError> {
        if let Some(found) = self.teams.get(&id) {
            return Ok(found.clone());
        }
        if self.all_people_loaded {
            return Ok(None);
        }
        let found = match crm_db::teams::find(conn, workspace_id, id) {
            Ok(team) => Some(team),
            Err(crm_db::DbError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        self.teams.insert(id, found.clone());
        Ok(found)
    }

    /// The workspace's custom-field definitions for an entity.
    pub fn field_defs(
        &mut self,
        conn: &mut AnyConnection,
        workspace_id: Uuid,
        entity: FieldEntity,
    ) -> Result<&[FieldDef], AppError> {
        let key = entity.as_str();
        if !self.field_defs.contains_key(key) {
            let defs = crm_db::custom_fields::list(conn, workspace_id, Some(key))?
                .iter()
                .map(|row| row.def())
                .collect();
            self.field_defs.insert(key, defs);
        }
        Ok(self.field_defs.get(key).map(Vec::as_slice).unwrap_or(&[]))
    }

    /// Checks that the codes exist at their level and nest: the province in
    /// the country, the city in the province, the district in the city.
    pub fn check_region_path(
        &mut self,
        conn: &mut AnyConnection,
        path: &RegionPath,
        errors: &mut FieldErrors,
    ) -> Result<(), AppError> {
        for (field, message) in path.shape_errors() {
            errors.add(field, message);
        }
        let fields = [
            ("country_code", &path.country, None),
            (
                "province_code",
                &path.province,
                Some(path.country.as_ref().map_or("CN", |c| c.as_str())),
            ),
            (
                "city_code",
                &path.city,
                path.province.as_ref().map(|p| p.as_str()),
            ),
            (
                "district_code",
                &path.district,
                path.city.as_ref().map(|c| c.as_str()),
            ),
        ];
        let codes: Vec<&str> = fields
            .iter()
            .filter_map(|(_, code, _)| code.as_ref().map(|c| c.as_str()))
            .collect();
        let found = self.regions(conn, &codes)?;
        for (field, code, parent) in fields {
            let Some(code) = code else { continue };
            match found.iter().find(|r| r.code == code.as_str()) {
                None => errors.add(field, format!("{code} is not a known region")),
                Some(row) => {
                    if let Some(parent) = parent
                        && row.parent_code.as_deref() != Some(parent)
                    {
                        errors.add(
                            field,
                            format!("{code} ({}) is not inside {parent}", row.name_zh),
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

/// Checks that the codes exist at their level and nest (the free-function
/// form of [`Lookups::check_region_path`]).
pub fn check_path(
    conn: &mut AnyConnection,
    lookups: &mut Lookups,
    path: &RegionPath,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    lookups.check_region_path(conn, path, errors)
}
