//! One deal: its fields (customer, amount, probability, expected close,
//! owner, stage, lost reason), the products on it ([`super::lines`]), the stage history with the time spent in
//! each stage (`/deals/{id}/stage-changes`), and its activities
//! (`/activities?deal_id=`), and its change history (变更历史).

use std::collections::HashMap;

use crm_api_types::activities::Activity;
use crm_api_types::customers::Customer;
use crm_api_types::deals::{Deal, Pipeline, StageChange};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::{activity_icon, span, stage_names};
use crate::components::{
    Breadcrumbs, Empty, ErrorView, Skeleton, When, error_fallback, use_toasts,
};
use crate::i18n::{self, Locale, message, tr, use_locale, use_t, use_t1};
use crate::load::{Load, Paged};
use crate::session::{Lookups, use_lookups, use_session};
use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::domain::sales::StageKind;

#[component]
pub fn DealDetail() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    let deal = Load::<Deal>::new(move || {
        format!(
            "/api/v1/deals/{}",
            id.get().map_or_else(|| "-".to_owned(), |id| id.to_string())
        )
    });
    view! {
        <ErrorBoundary fallback=error_fallback>
            {move || match deal.get() {
                None => Ok(view! { <Skeleton rows=8/> }.into_any()),
                Some(Ok(d)) => Ok(view! { <DealView deal=d on_changed=move || deal.refetch()/> }.into_any()),
                Some(Err(err)) => Err(err),
            }}
        </ErrorBoundary>
    }
}

type Stages = HashMap<Uuid, (String, String)>;

fn stage_name(stages: &Stages, id: Option<Uuid>) -> String {
    id.and_then(|id| stages.get(&id).map(|(s, _)| s.clone()))
        .unwrap_or_else(|| "—".to_owned())
}

#[component]
fn DealView(deal: Deal, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let t1 = use_t1();
    // The form open, with the stage to move to (`Some(None)`: a plain edit).
    let editing = RwSignal::new(None::<Option<Uuid>>);
    let locale = use_locale();
    let lookups = use_lookups();
    let t = use_t();
    let id = deal.id;
    let customer_id = deal.customer_id;
    let pipelines = Load::<Vec<Pipeline>>::new(|| "/api/v1/pipelines".to_owned());
    let customer = Load::<Customer>::new(move || format!("/api/v1/customers/{customer_id}"));
    let changes =
        Load::<Vec<StageChange>>::new(move || format!("/api/v1/deals/{id}/stage-changes"));
    let stages = Memo::new(move |_| pipelines.ok_with(|p| stage_names(p)).unwrap_or_default());
    let deal = StoredValue::new(deal);
    let can_update = move || session.can(ObjectType::Deals, Action::Update);
    let pipeline_stages = move || {
        let p = deal.with_value(|d| d.pipeline_id);
        pipelines
            .ok_with(|all| all.iter().find(|x| x.id == p).map(|x| x.stages.clone()))
            .flatten()
            .unwrap_or_default()
    };
    // A move from the page: a lost stage asks why in the form; others move at once.
    let move_to = move |stage: Uuid| {
        let lost = pipeline_stages()
            .iter()
            .any(|s| s.id == stage && s.kind == StageKind::Lost);
        if lost {
            editing.set(Some(Some(stage)));
            return;
        }
        let (id, version, name) = deal.with_value(|d| (d.id, d.version, d.name.clone()));
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({"stage_id": stage});
            match crate::api::patch::<Deal, _>(&format!("/api/v1/deals/{id}"), &body, version).await
            {
                Ok(_) => {
                    toasts.success(t1("deal-moved", "name", name));
                    on_changed();
                }
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let won_stage = move || {
        pipeline_stages()
            .into_iter()
            .find(|s| s.kind == StageKind::Won)
            .map(|s| s.id)
    };
    let lost_stage = move || {
        pipeline_stages()
            .into_iter()
            .find(|s| s.kind == StageKind::Lost)
            .map(|s| s.id)
    };
    let open = move || deal.with_value(|d| d.closed_at.is_none());
    let crumbs = Signal::derive(move || {
        vec![
            (t("nav-deals"), Some("/deals".to_owned())),
            (deal.with_value(|d| d.name.clone()), None),
        ]
    });
    let customer_name = move || {
        customer
            .ok_with(|c| c.name.clone())
            .unwrap_or_else(|| customer_id.to_string())
    };
    let fields = move || {
        let locale = locale.get();
        let stages = stages.get();
        deal.with_value(|d| {
            let money = i18n::money(locale, d.amount.amount_minor, &d.amount.currency);
            let stage = d.stage_id;
            let pipeline = stages.get(&stage).map(|(_, p)| p.clone()).unwrap_or_default();
            let mut rows = vec![
                ("field-amount", money),
                ("deal-probability", format!("{}%", d.probability)),
                (
                    "deal-weighted",
                    i18n::money(
                        locale,
                        d.amount.amount_minor * i64::from(d.probability) / 100,
                        &d.amount.currency,
                    ),
                ),
                (
                    "deal-expected-close",
                    d.expected_close_date.map_or_else(
                        || "—".to_owned(),
                        |c| i18n::date(locale, &format!("{c}T00:00:00")),
                    ),
                ),
                ("field-owner", lookups.user_name(d.owner_id)),
                ("deal-stage", stage_name(&stages, Some(stage))),
                ("deal-pipeline", pipeline),
                (
                    "deal-stage-since",
                    i18n::datetime(locale, &d.stage_changed_at.to_rfc3339()),
                ),
            ];
            if let Some(reason) = &d.lost_reason {
                rows.push(("deal-lost-reason-label", reason.clone()));
            }
            if let Some(at) = d.closed_at {
                rows.push(("deal-closed-at", i18n::datetime(locale, &at.to_rfc3339())));
            }
            rows.push((
                "field-created-at",
                i18n::date(locale, &d.created_at.to_rfc3339()),
            ));
            rows.into_iter()
                .map(|(key, value)| {
                    let value = if value.is_empty() { "—".to_owned() } else { value };
                    view! { <div class="field" data-key=key><dt>{message(locale, key, None)}</dt><dd>{value}</dd></div> }
                })
                .collect_view()
        })
    };
    let history = move || match changes.get() {
        None => view! { <Skeleton rows=3/> }.into_any(),
        Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
        Some(Ok(list)) => history_table(locale.get(), &list, &stages.get(), &lookups).into_any(),
    };

    view! {
        <Breadcrumbs crumbs=crumbs/>
        <header class="profile card">
            <div class="avatar">"◆"</div>
            <div class="profile-main">
                <h1 id="page-title">{deal.with_value(|d| d.name.clone())}</h1>
                <div class="badges">
                    <span class="badge stage" id="deal-stage">{move || stage_name(&stages.get(), Some(deal.with_value(|d| d.stage_id)))}</span>
                    <span class="muted">{tr("deal-customer")}": "
                        <a id="deal-customer" href=format!("/customers/{customer_id}")>{customer_name}</a>
                    </span>
                </div>
            </div>
            <When when=can_update>
                <div class="actions">
                    <select id="deal-move" aria-label=tr("deal-move-to") on:change=move |ev| {
                        if let Ok(stage) = event_target_value(&ev).parse::<Uuid>() { move_to(stage) }
                    }>
                        <option value="">{tr("deal-move-to")}</option>
                        {move || pipeline_stages().into_iter().filter(|s| s.id != deal.with_value(|d| d.stage_id)).map(|s| view! {
                            <option value=s.id.to_string()>{s.name.clone()}</option>
                        }).collect_view()}
                    </select>
                    <When when=move || open() && won_stage().is_some()>
                        <button id="deal-won" on:click=move |_| { if let Some(s) = won_stage() { move_to(s) } }>{tr("deal-mark-won")}</button>
                    </When>
                    <When when=move || open() && lost_stage().is_some()>
                        <button id="deal-lost" on:click=move |_| { if let Some(s) = lost_stage() { move_to(s) } }>{tr("deal-mark-lost")}</button>
                    </When>
                    <button id="deal-edit" on:click=move |_| editing.set(Some(None))>{tr("edit")}</button>
                </div>
            </When>
        </header>
        {move || editing.get().map(|stage| view! {
            <super::form::DealForm existing=Some(deal.get_value()) stage=stage.unwrap_or_else(|| deal.with_value(|d| d.stage_id))
                on_saved=move |_| { editing.set(None); on_changed(); }
                on_cancel=move || editing.set(None)/>
        })}
        <section class="card">
            <h2>{tr("deal-fields")}</h2>
            <dl class="fields" id="deal-fields">{fields}</dl>
        </section>
        <super::lines::DealLinesCard deal_id=id can_update=Signal::derive(can_update) on_changed=on_changed/>
        <section class="card">
            <h2>{tr("deal-history")}</h2>
            {history}
        </section>
        <Activities deal_id=id/>
        <crate::pages::history::History entity="deal" id=id/>
    }
}

/// From → to, when, who and how long the deal stayed; the last row's stay
/// runs until now.
fn history_table(
    locale: Locale,
    list: &[StageChange],
    stages: &Stages,
    lookups: &Lookups,
) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">{message(locale, "deal-no-history", None)}</p> }
            .into_any();
    }
    let now = js_sys::Date::now();
    let t = |key| message(locale, key, None);
    let rows = list
        .iter()
        .enumerate()
        .rev()
        .map(|(i, c)| {
            let until = list
                .get(i + 1)
                .map_or(now, |next| next.at.timestamp_millis() as f64);
            let stay = span(locale, until - c.at.timestamp_millis() as f64);
            let stay = if i + 1 == list.len() {
                format!("{stay} · {}", t("deal-current"))
            } else {
                stay
            };
            view! {
                <tr class="stage-change">
                    <td data-label=t("deal-from-to")>
                        <span class="from">{if c.from_stage_id.is_some() { stage_name(stages, c.from_stage_id) } else { t("deal-opened") }}</span>" → "
                        <strong class="to">{stage_name(stages, Some(c.to_stage_id))}</strong>
                    </td>
                    <td data-label=t("deal-when")>{i18n::datetime(locale, &c.at.to_rfc3339())}</td>
                    <td data-label=t("deal-who")>{lookups.user_name(c.actor_id)}</td>
                    <td class="stay" data-label=t("deal-stay")>{stay}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="list compact" id="stage-history">
            <thead><tr>
                <th>{t("deal-from-to")}</th><th>{t("deal-when")}</th><th>{t("deal-who")}</th><th>{t("deal-stay")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// A list of activities, newest first, with "load more".
pub fn activity_list(locale: Locale, items: &[Activity], lookups: &Lookups) -> AnyView {
    view! {
        <ul class="activities">
            {items.iter().map(|a| {
                let kind = a.kind.as_str();
                view! {
                    <li class="activity" data-kind=kind>
                        <span class="tl-icon" aria-hidden="true">{activity_icon(kind)}</span>
                        <div class="tl-body">
                            <div><span class="badge">{i18n::vocab(locale, "activity", kind)}</span>" "<strong>{a.subject.clone()}</strong></div>
                            {crate::pages::customers::timeline::activity_details(locale, a)
                                .map(|text| view! { <p class="muted activity-notes">{text}</p> })}
                            <small class="muted">{i18n::datetime(locale, &a.occurred_at.to_rfc3339())}" · "{lookups.user_name(a.owner_id)}</small>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Activities(deal_id: Uuid) -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let list =
        Paged::<Activity>::new(move || format!("/api/v1/activities?deal_id={deal_id}&limit=25"));
    view! {
        <section class="card" id="deal-activities">
            <h2>{tr("deal-activities")}</h2>
            <crate::pages::followups::LogFollowUp about=crate::pages::followups::Subject { deal_id: Some(deal_id), ..Default::default() }
                on_saved=move || list.reload()/>
            {move || list.error.get().map(|e| view! { <ErrorView error=e/> })}
            {move || {
                if list.loading.get() && list.items.with(Vec::is_empty) {
                    view! { <Skeleton rows=3/> }.into_any()
                } else if list.items.with(Vec::is_empty) {
                    view! { <Empty message=tr("deal-no-activities")/> }.into_any()
                } else {
                    list.items.with(|items| activity_list(locale.get(), items, &lookups))
                }
            }}
            <When when=move || list.cursor.get().is_some()>
                <button class="wide" on:click=move |_| list.load_more()>{tr("load-more")}</button>
            </When>
        </section>
    }
}
