//! Dashboards (仪表盘, `/dashboards`, `/dashboards/:id`): the home
//! dashboard of the user's role (or the built-in one), any saved or
//! shared one from the picker; the filter bar (period, owner, team,
//! province) narrows every widget; in edit mode widgets are added from the
//! saved and standard reports, dragged or stepped into place, resized and
//! removed, and the dashboard saved, shared, made a role's home (an
//! administrator), copied or deleted. Every widget runs on the server as
//! the viewer (`widget`).

mod widget;

use crm_api_types::Page;
use crm_api_types::access::{Role, Team};
use crm_api_types::dashboards::{
    Dashboard, DashboardFilters, DashboardLayout, DashboardPatch, DashboardWidget, HomeDashboard,
    NewDashboard,
};
use crm_api_types::reports::{Audience, RelativePeriod, Report, StandardReport};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::{Confirm, ErrorView, When, use_toasts};
use crate::i18n::{Locale, message, tr, use_locale};
use crate::load::Load;
use crate::pages::reports::deliveries::Deliveries;
use crate::pages::reports::form::{relatives, select};
use crate::pages::reports::share::SharePicker;
use crate::session::{use_lookups, use_session};
use widget::Widget;

/// A new widget's key: `w1`, `w2`… the first one free.
fn free_key(layout: &DashboardLayout) -> String {
    (1..)
        .map(|n| format!("w{n}"))
        .find(|k| !layout.widgets.iter().any(|w| &w.key == k))
        .unwrap_or_default()
}

#[component]
pub fn Dashboards() -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let session = use_session();
    let toasts = use_toasts();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .with(|p| p.get("id"))
            .and_then(|s| s.parse::<Uuid>().ok())
    });
    let saved = RwSignal::new(None::<Dashboard>);
    let name = RwSignal::new(String::new());
    let shared = RwSignal::new(false);
    let share_roles = RwSignal::new(Vec::<Uuid>::new());
    let share_teams = RwSignal::new(Vec::<Uuid>::new());
    let roles_chosen = RwSignal::new(Vec::<Uuid>::new());
    let layout = RwSignal::new(DashboardLayout::default());
    let filters = RwSignal::new(DashboardFilters::default());
    let editing = RwSignal::new(false);
    let dragging = RwSignal::new(None::<String>);
    let refresh = RwSignal::new(0_u32);
    let changed = RwSignal::new((0_u32, Vec::new()));
    crate::live::watch(move |objects| {
        changed.update(|(n, o)| {
            *n += 1;
            *o = objects;
        })
    });
    let load_error = RwSignal::new(None::<ApiError>);
    let asking = RwSignal::new(false);
    let navigate = StoredValue::new_local(use_navigate());
    let go = move |to: &str| navigate.with_value(|n| n(to, Default::default()));
    let boards = Load::<Page<Dashboard>>::new(|| "/api/v1/dashboards".to_owned());
    let reports = Load::<Page<Report>>::new(|| "/api/v1/reports".to_owned());
    let standard = Load::<Vec<StandardReport>>::new(|| "/api/v1/reports/standard".to_owned());
    let teams = Load::<Page<Team>>::new(|| "/api/v1/teams".to_owned());
    let show = move |d: Dashboard| {
        name.set(d.name.clone());
        shared.set(d.shared);
        share_roles.set(d.share_roles.clone());
        share_teams.set(d.share_teams.clone());
        roles_chosen.set(d.default_roles.clone());
        filters.set(d.layout.filters.clone());
        layout.set(d.layout.clone());
        saved.set(Some(d));
    };

    // The dashboard shown: the one in the address, else the role's home.
    Effect::new(move |_| {
        let wanted = id.get();
        editing.set(false);
        spawn_local(async move {
            let wanted = match wanted {
                Some(id) => Some(id),
                None => match api::get::<HomeDashboard>("/api/v1/dashboards/home").await {
                    Ok(home) if home.id.is_none() => {
                        saved.set(None);
                        name.set(home.name);
                        shared.set(false);
                        share_roles.set(Vec::new());
                        share_teams.set(Vec::new());
                        roles_chosen.set(Vec::new());
                        filters.set(home.layout.filters.clone());
                        layout.set(home.layout);
                        return;
                    }
                    Ok(home) => home.id,
                    Err(e) => {
                        load_error.set(Some(e));
                        return;
                    }
                },
            };
            if let Some(id) = wanted {
                match api::get::<Dashboard>(&format!("/api/v1/dashboards/{id}")).await {
                    Ok(d) => show(d),
                    Err(e) => load_error.set(Some(e)),
                }
            }
        });
    });

    // A widget's title: its report's name, in the reader's language.
    let title_of = move |w: &DashboardWidget| -> String {
        if let Some(id) = w.report_id {
            return reports
                .get()
                .and_then(|r| r.ok())
                .and_then(|p| p.items.into_iter().find(|r| r.id == id).map(|r| r.name))
                .unwrap_or_default();
        }
        let key = w.standard.clone().unwrap_or_default();
        standard
            .get()
            .and_then(|r| r.ok())
            .and_then(|l| l.into_iter().find(|s| s.key == key))
            .map(|s| {
                if locale.get() == Locale::ZhCn {
                    s.name_zh
                } else {
                    s.name_en
                }
            })
            .unwrap_or(key)
    };

    let editable = Signal::derive(move || saved.with(|s| s.as_ref().is_none_or(|d| d.editable)));
    let saved_id = Signal::derive(move || saved.with(|s| s.as_ref().map(|d| d.id)));
    let audience = Signal::derive(move || {
        saved.with(|s| {
            s.as_ref().map(|d| {
                (
                    d.owner_id,
                    Audience::new(d.shared, &d.share_roles, &d.share_teams),
                )
            })
        })
    });
    let save = move |copy: bool| {
        let mut body_layout = layout.get_untracked();
        body_layout.filters = filters.get_untracked();
        let current = saved.get_untracked().filter(|d| d.editable && !copy);
        let title = name.get_untracked();
        let is_shared = shared.get_untracked();
        let (to_roles, to_teams) = (share_roles.get_untracked(), share_teams.get_untracked());
        let roles = roles_chosen.get_untracked();
        // A role's home must be shared with it: keep only those roles.
        let roles: Vec<Uuid> = roles
            .into_iter()
            .filter(|r| is_shared || to_roles.contains(r))
            .collect();
        spawn_local(async move {
            let answer = match current {
                Some(d) => {
                    let patch = DashboardPatch {
                        name: Some(title),
                        layout: Some(body_layout),
                        shared: Some(is_shared),
                        share_roles: Some(to_roles),
                        share_teams: Some(to_teams),
                        default_roles: Some(roles),
                    };
                    api::patch::<Dashboard, _>(
                        &format!("/api/v1/dashboards/{}", d.id),
                        &patch,
                        d.version,
                    )
                    .await
                }
                None => {
                    let title = if copy || saved.get_untracked().is_none() && title.is_empty() {
                        format!(
                            "{title} {}",
                            message(locale.get_untracked(), "rp-copy-of", None)
                        )
                    } else {
                        title
                    };
                    let shared = is_shared && !copy;
                    let body = NewDashboard {
                        name: title.trim().to_owned(),
                        layout: body_layout,
                        shared,
                        share_roles: if copy { Vec::new() } else { to_roles },
                        share_teams: if copy { Vec::new() } else { to_teams },
                        default_roles: if copy { Vec::new() } else { roles },
                    };
                    api::post::<Dashboard, _>("/api/v1/dashboards", &body).await
                }
            };
            match answer {
                Ok(d) => {
                    toasts.success(message(locale.get_untracked(), "db-saved", None));
                    let to = format!("/dashboards/{}", d.id);
                    show(d);
                    editing.set(false);
                    boards.refetch();
                    go(&to);
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    let remove = move || {
        if let Some(d) = saved.get_untracked() {
            spawn_local(async move {
                match api::delete(&format!("/api/v1/dashboards/{}", d.id), Some(d.version)).await {
                    Ok(()) => {
                        boards.refetch();
                        go("/dashboards");
                    }
                    Err(e) => toasts.error(e.to_string()),
                }
            });
        }
    };
    let add = move |choice: String| {
        if choice.is_empty() {
            return;
        }
        layout.update(|l| {
            let key = free_key(l);
            let (report_id, standard) = match choice.strip_prefix("r:") {
                Some(id) => (id.parse().ok(), None),
                None => (None, choice.strip_prefix("s:").map(str::to_owned)),
            };
            l.widgets.push(DashboardWidget {
                key,
                report_id,
                standard,
                width: 6,
                height: 2,
            });
        });
    };
    let choices = move || {
        let locale = locale.get();
        let mut out = vec![(String::new(), message(locale, "db-add", None))];
        if let Some(Ok(page)) = reports.get() {
            out.extend(
                page.items
                    .into_iter()
                    .map(|r| (format!("r:{}", r.id), r.name)),
            );
        }
        if let Some(Ok(list)) = standard.get() {
            out.extend(list.into_iter().map(|s| {
                let name = if locale == Locale::ZhCn {
                    s.name_zh
                } else {
                    s.name_en
                };
                (format!("s:{}", s.key), format!("{name} ★"))
            }));
        }
        out
    };
    let picker = move || {
        let mut out = vec![(String::new(), message(locale.get(), "db-home", None))];
        if let Some(Ok(page)) = boards.get() {
            out.extend(page.items.into_iter().map(|d| (d.id.to_string(), d.name)));
        }
        out
    };
    let widgets =
        move || layout.with(|l| l.widgets.iter().map(|w| w.key.clone()).collect::<Vec<_>>());

    view! {
        <section class="dashboards-page" id="dashboards-page">
            <div class="toolbar">
                {move || if editing.get() {
                    view! { <input id="dashboard-name" class="title-input" placeholder=tr("db-name") bind:value=name/> }.into_any()
                } else {
                    view! { <h1 id="page-title">{move || name.get()}</h1> }.into_any()
                }}
                {move || select("dashboard-pick".into(), picker(), move || id.get().map(|i| i.to_string()).unwrap_or_default(),
                    move |v| go(&if v.is_empty() { "/dashboards".to_owned() } else { format!("/dashboards/{v}") }))}
                <span class="spacer"></span>
                <button id="dashboard-refresh" on:click=move |_| refresh.update(|n| *n += 1)>{tr("db-refresh")}</button>
                <When when=move || !editing.get()>
                    <button class="primary" id="dashboard-edit" on:click=move |_| editing.set(true)>{tr("db-edit")}</button>
                </When>
                <When when=move || editing.get()>
                    {move || choices_select(choices(), add)}
                    <label class="check"><input type="checkbox" id="dashboard-shared" bind:checked=shared/>{tr("db-shared")}</label>
                    <When when=move || !shared.get()>
                        <SharePicker id="dashboard-share" roles=share_roles teams=share_teams enabled=editable/>
                    </When>
                    <When when=move || editable.get()>
                        <button class="primary" id="dashboard-save" on:click=move |_| save(false)>{tr("db-save")}</button>
                    </When>
                    <When when=move || saved.with(|s| s.is_some())>
                        <button id="dashboard-save-copy" on:click=move |_| save(true)>{tr("db-save-copy")}</button>
                    </When>
                    <When when=move || saved.with(|s| s.as_ref().is_some_and(|d| d.editable))>
                        <button class="danger" id="dashboard-delete" on:click=move |_| asking.set(true)>{tr("db-delete")}</button>
                    </When>
                </When>
            </div>
            {move || load_error.get().map(|e| view! { <ErrorView error=e/> })}
            <Confirm open=asking message=tr("db-delete-confirm") on_confirm=remove/>
            <When when=move || editing.get() && session.is_admin() && (shared.get() || share_roles.with(|r| !r.is_empty()))>
                <RolesPicker chosen=roles_chosen/>
            </When>
            <div class="filter-bar" id="dashboard-filters">
                <label>{tr("rp-period")}
                    {move || select("dashboard-period".into(), relatives(locale.get()),
                        move || filters.with(|f| f.relative.map(|r| r.as_str().to_owned()).unwrap_or_default()),
                        move |v| filters.update(|f| { f.relative = RelativePeriod::parse(&v).ok(); if f.relative.is_some() { f.from = None; f.to = None; } }))}
                </label>
                <When when=move || filters.with(|f| f.relative.is_none())>
                    <label>{tr("rp-from")}<input type="date" id="dashboard-from"
                        prop:value=move || filters.with(|f| f.from.map(|d| d.to_string()).unwrap_or_default())
                        on:change=move |ev| { let v = event_target_value(&ev).parse().ok(); filters.update(|f| f.from = v) }/></label>
                    <label>{tr("rp-to")}<input type="date" id="dashboard-to"
                        prop:value=move || filters.with(|f| f.to.map(|d| d.to_string()).unwrap_or_default())
                        on:change=move |ev| { let v = event_target_value(&ev).parse().ok(); filters.update(|f| f.to = v) }/></label>
                </When>
                <label>{tr("db-owner")}
                    {move || {
                        let mut people = vec![(String::new(), message(locale.get(), "db-anyone", None))];
                        people.extend(lookups.users.get().into_iter().map(|u| (u.id.to_string(), u.display_name)));
                        select("dashboard-owner".into(), people, move || filters.with(|f| f.owner.map(|o| o.to_string()).unwrap_or_default()),
                            move |v| filters.update(|f| f.owner = v.parse().ok()))
                    }}
                </label>
                <label>{tr("db-team")}
                    {move || {
                        let mut list = vec![(String::new(), message(locale.get(), "db-anyone", None))];
                        if let Some(Ok(page)) = teams.get() {
                            list.extend(page.items.into_iter().map(|t| (t.id.to_string(), t.name)));
                        }
                        select("dashboard-team".into(), list, move || filters.with(|f| f.team.map(|t| t.to_string()).unwrap_or_default()),
                            move |v| filters.update(|f| f.team = v.parse().ok()))
                    }}
                </label>
                <label>{tr("db-region")}
                    {move || {
                        let locale = locale.get();
                        let mut list = vec![(String::new(), message(locale, "db-anywhere", None))];
                        list.extend(lookups.regions.with(|r| r.provinces.iter().map(|p| (p.code.clone(), if locale == Locale::ZhCn { p.name_zh.clone() } else { p.name_en.clone() })).collect::<Vec<_>>()));
                        select("dashboard-region".into(), list, move || filters.with(|f| f.region.clone().unwrap_or_default()),
                            move |v| filters.update(|f| f.region = (!v.is_empty()).then_some(v)))
                    }}
                </label>
            </div>
            <div class="dashboard-grid" id="dashboard-grid" class:editing=move || editing.get()>
                <For each=widgets key=|k| k.clone() let:key>
                    {
                        let k = key.clone();
                        let title = Signal::derive(move || {
                            layout.with(|l| l.widgets.iter().find(|w| w.key == k).cloned()).map(|w| title_of(&w)).unwrap_or_default()
                        });
                        view! { <Widget key=key layout=layout filters=filters.into() editing=editing.into() dragging=dragging refresh=refresh.into() changed=changed.into() title=title/> }
                    }
                </For>
            </div>
            <When when=move || layout.with(|l| l.widgets.is_empty())>
                <p class="hint" id="dashboard-empty">{tr("db-empty")}</p>
            </When>
            <Deliveries of=saved_id name=name audience=audience dashboard=true/>
        </section>
    }
}

fn choices_select(
    options: Vec<(String, String)>,
    add: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    view! {
        <select id="dashboard-add" prop:value="" on:change=move |ev| {
            add(event_target_value(&ev));
            event_target::<web_sys::HtmlSelectElement>(&ev).set_value("");
        }>
            {options.into_iter().map(|(value, label)| view! { <option value=value.clone()>{label}</option> }).collect_view()}
        </select>
    }
}

/// An administrator's choice of the roles whose home this dashboard is.
#[component]
fn RolesPicker(chosen: RwSignal<Vec<Uuid>>) -> impl IntoView {
    let roles = Load::<Page<Role>>::new(|| "/api/v1/roles".to_owned());
    view! {
        <fieldset class="dashboard-roles" id="dashboard-roles">
            <legend>{tr("db-default-for")}</legend>
            {move || roles.get().and_then(|r| r.ok()).map(|page| page.items.into_iter().map(|r| {
                let id = r.id;
                view! {
                    <label class="check">
                        <input type="checkbox" data-role=r.key.clone()
                            prop:checked=move || chosen.with(|c| c.contains(&id))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id); } });
                            }/>
                        {r.name.clone()}
                    </label>
                }
            }).collect_view())}
        </fieldset>
    }
}
