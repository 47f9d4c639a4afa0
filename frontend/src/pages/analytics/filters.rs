//! The filters every panel of the page applies: owner, team, province and
//! industry (the customer list's `owner_id`, `team_id`, `region` and
//! `industry`). Owners and teams are offered only to those who read more
//! than their own customers; the server limits every figure to the
//! customers the caller may read.

use crm_api_types::Page;
use crm_api_types::access::Team;
use crm_api_types::domain::access::{Action, ObjectType, Scope};
use leptos::prelude::*;

use super::params::Params;
use crate::components::When;
use crate::i18n::{tr, use_locale};
use crate::session::{use_lookups, use_session};
use crate::vocab;

#[component]
pub fn Filters(
    params: Memo<Params>,
    go: impl Fn(Params) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lookups = use_lookups();
    let locale = use_locale();
    let session = use_session();
    let beyond_own = move || {
        session.0.with(|me| {
            me.as_ref().is_some_and(|me| {
                !matches!(
                    me.permissions.scope(ObjectType::Customers, Action::Read),
                    Scope::Own | Scope::None
                )
            })
        })
    };
    let teams = RwSignal::new(Vec::<Team>::new());
    leptos::task::spawn_local(async move {
        if let Ok(page) = crate::api::get::<Page<Team>>("/api/v1/teams").await {
            teams.set(page.items);
        }
    });
    let value = move |i: usize| move || params.with(|p| p.filters[i].clone());
    let set = move |i: usize| {
        move |ev: leptos::ev::Event| {
            let mut next = params.get_untracked();
            next.filters[i] = event_target_value(&ev);
            go(next);
        }
    };
    let option = move |i: usize, id: String, name: String| {
        let selected = id.clone();
        view! { <option value=id selected=Signal::derive(move || value(i)() == selected)>{name}</option> }
    };
    let any = move || params.with(|p| p.filters.iter().any(|f| !f.is_empty()));
    let clear = move || {
        params.with(|p| {
            Params {
                filters: Default::default(),
                ..p.clone()
            }
            .href()
        })
    };
    view! {
        <div class="filters an-filters" id="an-filters">
            <When when=move || beyond_own() && lookups.users.with(|u| u.len() > 1)>
                <select id="an-owner" aria-label=tr("filter-any-owner") on:change=set(0)>
                    <option value="" selected=move || value(0)().is_empty()>{tr("filter-any-owner")}</option>
                    {move || lookups.users.get().into_iter().map(|u| option(0, u.id.to_string(), u.display_name)).collect_view()}
                </select>
            </When>
            <When when=move || beyond_own() && !teams.with(Vec::is_empty)>
                <select id="an-team" aria-label=tr("an-any-team") on:change=set(1)>
                    <option value="" selected=move || value(1)().is_empty()>{tr("an-any-team")}</option>
                    {move || teams.get().into_iter().map(|t| option(1, t.id.to_string(), t.name)).collect_view()}
                </select>
            </When>
            <select id="an-region" aria-label=tr("filter-any-province") on:change=set(2)>
                <option value="" selected=move || value(2)().is_empty()>{tr("filter-any-province")}</option>
                {move || {
                    let locale = locale.get();
                    lookups.regions.with(|r| r.provinces.iter().map(|p| {
                        let name = r.name(locale, &p.code).unwrap_or_else(|| p.code.clone());
                        option(2, p.code.clone(), name)
                    }).collect_view())
                }}
            </select>
            <select id="an-industry" aria-label=tr("filter-any-industry") on:change=set(3)>
                {vocab::options(vocab::INDUSTRY, tr("filter-any-industry"), value(3))}
            </select>
            <When when=any>
                <a class="button" id="an-clear" href=clear>{tr("an-clear-filters")}</a>
            </When>
        </div>
    }
}
