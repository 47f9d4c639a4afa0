//! The period bar of the forecast and performance pages: quarter or month,
//! the period before or after, and one team (with the teams below it) or
//! one rep, all kept in the page's URL (`?period=&date=&team_id=&owner_id=`).

use crm_api_types::Page;
use crm_api_types::access::Team;
use crm_api_types::domain::access::{Action, ObjectType};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::components::When;
use crate::i18n::{tr, use_t};
use crate::load::Load;
use crate::session::{use_lookups, use_session};

const KEYS: [&str; 4] = ["period", "date", "team_id", "owner_id"];

/// The period, team and rep in the URL.
#[derive(Clone, Copy)]
pub struct PeriodQuery(Memo<ParamsMap>);

impl PeriodQuery {
    pub fn new() -> Self {
        Self(use_query_map())
    }

    pub fn param(self, key: &str) -> String {
        self.0.with(|q| q.get(key).unwrap_or_default())
    }

    /// `quarter` (the default) or `month`.
    pub fn period(self) -> String {
        match self.param("period").as_str() {
            "month" => "month".to_owned(),
            _ => "quarter".to_owned(),
        }
    }

    /// `period=…` and whichever of date, team and rep are set, for the API.
    pub fn api_query(self) -> String {
        let mut query = format!("period={}", self.period());
        for key in &KEYS[1..] {
            let value = self.param(key);
            if !value.is_empty() {
                query.push_str(&format!("&{key}={value}"));
            }
        }
        query
    }
}

/// The period shown: its label and the days just before and after it.
#[derive(Clone, PartialEq)]
pub struct Shown {
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[component]
pub fn PeriodBar(
    /// Prefix of the element ids: `fc` gives `fc-quarter`, `fc-team` …
    prefix: &'static str,
    /// The catalog key of the page title.
    title: &'static str,
    /// The page's path.
    route: &'static str,
    query: PeriodQuery,
    shown: Signal<Option<Shown>>,
) -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let lookups = use_lookups();
    let navigate = StoredValue::new_local(use_navigate());
    let go = move |changes: &[(&str, String)]| {
        let pairs: Vec<String> = KEYS
            .iter()
            .map(|k| {
                let value = changes
                    .iter()
                    .find(|(key, _)| key == k)
                    .map_or_else(|| query.param(k), |(_, v)| v.clone());
                (k, value)
            })
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let options = NavigateOptions {
            scroll: false,
            ..Default::default()
        };
        navigate.with_value(|nav| nav(&format!("{route}?{}", pairs.join("&")), options));
    };
    let step = move |forward: bool| {
        let day = shown.with(|s| {
            s.as_ref().and_then(|s| {
                if forward {
                    s.after.clone()
                } else {
                    s.before.clone()
                }
            })
        });
        if let Some(day) = day {
            go(&[("date", day)]);
        }
    };
    let may_teams = move || session.can(ObjectType::Teams, Action::Read);
    let teams = Load::<Page<Team>>::new(move || {
        if may_teams() {
            "/api/v1/teams?limit=200".to_owned()
        } else {
            String::new()
        }
    });
    let id = move |name: &str| format!("{prefix}-{name}");
    view! {
        <div class="toolbar">
            <h1 id="page-title">{tr(title)}</h1>
            <div class="segmented" role="group">
                <button class="button" id=id("quarter") class:primary=move || query.period() == "quarter"
                    on:click=move |_| go(&[("period", "quarter".into())])>{tr("fc-quarter")}</button>
                <button class="button" id=id("month") class:primary=move || query.period() == "month"
                    on:click=move |_| go(&[("period", "month".into())])>{tr("fc-month")}</button>
            </div>
            <button class="button" id=id("prev") on:click=move |_| step(false)>"‹"</button>
            <strong id=id("label")>{move || shown.with(|s| s.as_ref().map(|s| s.label.clone()).unwrap_or_default())}</strong>
            <button class="button" id=id("next") on:click=move |_| step(true)>"›"</button>
        </div>
        <div class="list-controls">
            <div class="filters">
            <When when=may_teams>
                <select id=id("team") aria-label=move || t("fc-team")
                    on:change=move |ev| go(&[("team_id", event_target_value(&ev)), ("owner_id", String::new())])>
                    <option value="" selected=move || query.param("team_id").is_empty()>{tr("fc-everyone")}</option>
                    {move || teams.ok_with(|p| p.items.iter().map(|team| {
                        let value = team.id.to_string();
                        let selected = query.param("team_id") == value;
                        view! { <option value=value selected=selected>{team.name.clone()}</option> }
                    }).collect_view())}
                </select>
            </When>
            <select id=id("owner") aria-label=move || t("fc-owner")
                on:change=move |ev| go(&[("owner_id", event_target_value(&ev)), ("team_id", String::new())])>
                <option value="" selected=move || query.param("owner_id").is_empty()>{tr("fc-all-reps")}</option>
                {move || lookups.users.get().into_iter().filter(|u| u.active).map(|u| {
                    let value = u.id.to_string();
                    let selected = query.param("owner_id") == value;
                    view! { <option value=value selected=selected>{u.display_name}</option> }
                }).collect_view()}
            </select>
            </div>
        </div>
    }
}
