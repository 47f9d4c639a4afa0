//! What the signed-in user is and may do (`/api/v1/me`), and the workspace
//! reference data every page shares (colleagues, tags, provinces and
//! cities, the customers' custom fields), each fetched once per visit.

use std::collections::HashMap;

use crm_api_types::Page;
use crm_api_types::access::User;
use crm_api_types::auth::Me;
use crm_api_types::custom_fields::CustomFieldDef;
use crm_api_types::domain::access::{Action, ObjectType, Scope};
use crm_api_types::regions::Region;
use crm_api_types::tags::Tag;
use leptos::prelude::*;
use uuid::Uuid;

use crate::i18n::Locale;

/// The caller, once `/me` has answered.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Option<Me>>);

impl Session {
    /// Whether the role grants `action` on `object` at any scope. The server
    /// stays the authority; this only hides what would be refused.
    pub fn can(self, object: ObjectType, action: Action) -> bool {
        self.0.with(|me| {
            me.as_ref()
                .is_some_and(|me| me.permissions.scope(object, action) != Scope::None)
        })
    }

    /// Whether the role grants `action` on every record of `object`, which
    /// workspace-wide definitions (segments) require.
    pub fn can_all(self, object: ObjectType, action: Action) -> bool {
        self.0.with(|me| {
            me.as_ref()
                .is_some_and(|me| me.permissions.scope(object, action) == Scope::All)
        })
    }

    pub fn is_admin(self) -> bool {
        self.can(ObjectType::Users, Action::Update)
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Reference data, loaded once when the shell mounts (empty until then).
#[derive(Clone, Copy)]
pub struct Lookups {
    pub users: RwSignal<Vec<User>>,
    pub tags: RwSignal<Vec<Tag>>,
    pub regions: RwSignal<Regions>,
    /// The customers' custom fields (reports group and filter by them).
    pub customer_fields: RwSignal<Vec<CustomFieldDef>>,
}

#[derive(Clone, Default)]
pub struct Regions {
    pub provinces: Vec<Region>,
    pub cities: Vec<Region>,
    by_code: HashMap<String, (String, String)>,
}

impl Regions {
    fn new(provinces: Vec<Region>, cities: Vec<Region>) -> Self {
        let by_code = provinces
            .iter()
            .chain(cities.iter())
            .map(|r| (r.code.clone(), (r.name_zh.clone(), r.name_en.clone())))
            .collect();
        Self {
            provinces,
            cities,
            by_code,
        }
    }

    pub fn name(&self, locale: Locale, code: &str) -> Option<String> {
        self.by_code.get(code).map(|(zh, en)| {
            if locale == Locale::ZhCn {
                zh.clone()
            } else {
                en.clone()
            }
        })
    }

    pub fn cities_of<'a>(&'a self, province: &'a str) -> impl Iterator<Item = &'a Region> + 'a {
        self.cities
            .iter()
            .filter(move |c| c.parent_code.as_deref() == Some(province))
    }
}

async fn all<T: serde::de::DeserializeOwned>(path: &str) -> Vec<T> {
    crate::api::get::<Page<T>>(path)
        .await
        .map(|p| p.items)
        .unwrap_or_default()
}

impl Lookups {
    pub fn load() -> Self {
        let lookups = Self {
            users: RwSignal::new(Vec::new()),
            tags: RwSignal::new(Vec::new()),
            regions: RwSignal::new(Regions::default()),
            customer_fields: RwSignal::new(Vec::new()),
        };
        leptos::task::spawn_local(async move {
            // Five independent requests, in flight together.
            let (users, tags, provinces, cities, fields) = futures::join!(
                all::<User>("/api/v1/users"),
                all::<Tag>("/api/v1/tags"),
                all::<Region>("/api/v1/regions?parent=CN&level=province"),
                all::<Region>("/api/v1/regions?level=city"),
                all::<CustomFieldDef>("/api/v1/custom-fields?entity=customer"),
            );
            lookups.users.set(users);
            lookups.tags.set(tags);
            crate::pages::reports::chart::name_custom_fields(&fields);
            lookups.customer_fields.set(fields);
            lookups.regions.set(Regions::new(provinces, cities));
        });
        lookups
    }

    pub fn user_name(&self, id: Option<Uuid>) -> String {
        let Some(id) = id else { return String::new() };
        self.users
            .with(|users| {
                users
                    .iter()
                    .find(|u| u.id == id)
                    .map(|u| u.display_name.clone())
            })
            .unwrap_or_default()
    }
}

pub fn use_lookups() -> Lookups {
    expect_context::<Lookups>()
}
