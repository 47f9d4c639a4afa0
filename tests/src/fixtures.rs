//! Fixtures: a workspace shaped like the demo (admin, two managers heading
//! teams, reps, a viewer), a second workspace, and a customer builder.

use std::sync::LazyLock;

use crm_db::AnyConnection;
use crm_db::customers::CustomerFields;
use crm_db::types::{Id, Json};
use crm_domain::access::BuiltinRole;
use uuid::Uuid;

use crate::app::TestApp;

pub const PASSWORD: &str = "correct-horse-battery";
static HASH: LazyLock<String> =
    LazyLock::new(|| crm_http::security::hash_password(PASSWORD).expect("hash"));

#[derive(Debug, Clone)]
pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub token: String,
    pub team: Option<Uuid>,
}

/// Workspace `acme`: admin; manager1 heads team A (rep1, rep2) and team A2
/// below it (rep5); manager2 heads team B (rep3); a viewer; a marketing user.
/// Workspace `other` with its own admin.
#[derive(Debug, Clone)]
pub struct World {
    pub ws: Uuid,
    pub admin: Person,
    pub manager1: Person,
    pub manager2: Person,
    pub rep1: Person,
    pub rep2: Person,
    pub rep3: Person,
    pub rep5: Person,
    pub viewer: Person,
    pub team_a: Uuid,
    pub team_a2: Uuid,
    pub team_b: Uuid,
    pub other_ws: Uuid,
    pub other_admin: Person,
    pub roles: Vec<(String, Uuid)>,
}

impl World {
    pub fn role(&self, key: &str) -> Uuid {
        self.roles
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, id)| *id)
            .expect("role")
    }

    /// Another user of `acme` with a built-in role (`service`, …).
    pub fn add_person(&self, app: &TestApp, email: &str, role: &str, team: Option<Uuid>) -> Person {
        let mut conn = app.conn();
        person(app, &mut conn, self.ws, email, self.role(role), team)
    }
}

fn person(
    app: &TestApp,
    conn: &mut AnyConnection,
    ws: Uuid,
    email: &str,
    role: Uuid,
    team: Option<Uuid>,
) -> Person {
    let new = crm_db::users::NewUser {
        email,
        display_name: email,
        password_hash: &HASH,
        role_id: role,
        team_id: team,
    };
    let user = crm_db::users::insert(conn, ws, &new).expect("user");
    Person {
        id: user.id.0,
        email: email.to_owned(),
        token: app.token_for(user.id.0, ws),
        team,
    }
}

fn workspace(conn: &mut AnyConnection, slug: &str) -> (Uuid, Vec<(String, Uuid)>) {
    let ws = crm_db::workspaces::insert(conn, slug, slug)
        .expect("workspace")
        .id
        .0;
    crm_db::pipelines::insert_default(conn, ws).expect("pipeline");
    let roles = crm_db::roles::insert_builtins(conn, ws)
        .expect("roles")
        .into_iter()
        .map(|r| (r.key, r.id.0))
        .collect();
    (ws, roles)
}

fn team(conn: &mut AnyConnection, ws: Uuid, name: &str, parent: Option<Uuid>) -> Uuid {
    let fields = crm_db::teams::TeamFields {
        name: name.to_owned(),
        parent_id: parent,
        manager_id: None,
    };
    crm_db::teams::insert(conn, ws, &fields).expect("team").id.0
}

fn set_manager(conn: &mut AnyConnection, ws: Uuid, team: Uuid, manager: Uuid) {
    let row = crm_db::teams::find(conn, ws, team).expect("team");
    let fields = crm_db::teams::TeamFields {
        name: row.name,
        parent_id: row.parent_id.map(Uuid::from),
        manager_id: Some(manager),
    };
    crm_db::teams::update(conn, ws, team, row.version, &fields).expect("manager");
}

impl World {
    pub fn create(app: &TestApp) -> World {
        let mut conn = app.conn();
        let conn = &mut *conn;
        let (ws, roles) = workspace(conn, "acme");
        let role = |key: BuiltinRole| {
            roles
                .iter()
                .find(|(k, _)| k == key.as_str())
                .map(|(_, id)| *id)
                .expect("role")
        };
        let team_a = team(conn, ws, "Team A", None);
        let team_a2 = team(conn, ws, "Team A2", Some(team_a));
        let team_b = team(conn, ws, "Team B", None);
        let admin = person(
            app,
            conn,
            ws,
            "admin@acme.test",
            role(BuiltinRole::Admin),
            None,
        );
        let manager1 = person(
            app,
            conn,
            ws,
            "manager1@acme.test",
            role(BuiltinRole::Manager),
            Some(team_a),
        );
        let manager2 = person(
            app,
            conn,
            ws,
            "manager2@acme.test",
            role(BuiltinRole::Manager),
            Some(team_b),
        );
        let rep1 = person(
            app,
            conn,
            ws,
            "rep1@acme.test",
            role(BuiltinRole::Sales),
            Some(team_a),
        );
        let rep2 = person(
            app,
            conn,
            ws,
            "rep2@acme.test",
            role(BuiltinRole::Sales),
            Some(team_a),
        );
        let rep3 = person(
            app,
            conn,
            ws,
            "rep3@acme.test",
            role(BuiltinRole::Sales),
            Some(team_b),
        );
        let rep5 = person(
            app,
            conn,
            ws,
            "rep5@acme.test",
            role(BuiltinRole::Sales),
            Some(team_a2),
        );
        let viewer = person(
            app,
            conn,
            ws,
            "viewer@acme.test",
            role(BuiltinRole::Viewer),
            None,
        );
        set_manager(conn, ws, team_a, manager1.id);
        set_manager(conn, ws, team_b, manager2.id);
        let (other_ws, other_roles) = workspace(conn, "other");
        let other_admin_role = other_roles
            .iter()
            .find(|(k, _)| k == "admin")
            .map(|(_, id)| *id)
            .expect("admin role");
        let other_admin = person(
            app,
            conn,
            other_ws,
            "admin@other.test",
            other_admin_role,
            None,
        );
        World {
            ws,
            admin,
            manager1,
            manager2,
            rep1,
            rep2,
            rep3,
            rep5,
            viewer,
            team_a,
            team_a2,
            team_b,
            other_ws,
            other_admin,
            roles,
        }
    }
}

/// Inserts customers straight through the persistence crate (fixtures are not under test).
pub struct CustomerBuilder {
    fields: CustomerFields,
    ws: Uuid,
}

impl CustomerBuilder {
    pub fn new(ws: Uuid, name: &str) -> Self {
        let fields = CustomerFields {
            kind: "organization".to_owned(),
            name: name.to_owned(),
            external_id: None,
            owner_id: None,
            team_id: None,
            industry: None,
            size_band: None,
            employee_count: None,
            annual_revenue_minor: None,
            annual_revenue_currency: None,
            email: None,
            phone: None,
            website: None,
            country_code: None,
            province_code: None,
            city_code: None,
            district_code: None,
            address: None,
            gender: None,
            birth_date: None,
            source: None,
            lifecycle_stage: None,
            custom_fields: Json(serde_json::json!({})),
            search_text: String::new(),
        };
        Self { fields, ws }
    }

    pub fn owner(mut self, person: &Person) -> Self {
        self.fields.owner_id = Some(Id(person.id));
        self.fields.team_id = person.team.map(Id);
        self
    }

    pub fn industry(mut self, industry: &str) -> Self {
        self.fields.industry = Some(industry.to_owned());
        self
    }

    pub fn region(mut self, province: &str, city: &str) -> Self {
        self.fields.country_code = Some("CN".to_owned());
        self.fields.province_code = Some(province.to_owned());
        self.fields.city_code = Some(city.to_owned());
        self
    }

    pub fn build(self, app: &TestApp) -> Uuid {
        let mut conn = app.conn();
        crm_db::customers::insert(&mut conn, self.ws, None, &self.fields.with_search_text())
            .expect("customer")
            .id
            .0
    }
}
