//! Reference data a write checks its records against (regions, users,
//! teams, custom-field definitions), fetched once per request and shared by
//! every record of a batch, so validating 1,000 records costs a handful of
//! queries rather than thousands.

use std::collections::HashMap;

use crm_db::AnyConnection;
use crm_db::regions::RegionRow;
use crm_db::teams::TeamRow;
use crm_db::users::UserRow;
use crm_domain::custom_field::{FieldDef, FieldEntity};
use uuid::Uuid;

use crate::error::ApiError;

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
    ) -> Result<Vec<RegionRow>, ApiError> {
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
    ) -> Result<(), ApiError> {
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
    ) -> Result<Option<UserRow>, ApiError> {
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
    ) -> Result<Option<TeamRow>, ApiError> {
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
    ) -> Result<&[FieldDef], ApiError> {
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
}
