//! One segment: its rules, member count and portrait (headline figures and
//! the largest groups by province, industry and RFM segment), the members
//! who spent most, a link to all of them in the customer list, the CSV
//! export, and edit / delete for those who may.

use crm_api_types::analytics::{Portrait, PortraitDimension};
use crm_api_types::customers::Customer;
use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::segments::Segment;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use super::{Shared, summary};
use crate::components::{
    Cell, Confirm, Empty, ErrorView, Skeleton, When, data_table, figure_list, use_toasts,
};
use crate::i18n::{self, Locale, message, tr, use_locale, use_t, use_t1};
use crate::load::{Load, Paged};
use crate::session::{Regions, use_lookups, use_session};

/// The portrait dimensions shown: the dimension, the table's id (also its
/// title's catalog key) and the catalog group of its keys (none: regions).
const DIMENSIONS: [(&str, &str, &str); 3] = [
    ("region", "seg-dim-region", ""),
    ("industry", "seg-dim-industry", "industry"),
    ("rfm_segment", "seg-dim-rfm-segment", "rfm"),
];

fn figures(locale: Locale, members: Option<i64>, p: &Portrait) -> AnyView {
    let t = |key| message(locale, key, None);
    let money = |v: Option<i64>| {
        v.map_or_else(
            || "—".to_owned(),
            |v| i18n::money_whole(locale, v as f64, &p.currency),
        )
    };
    let number = |n: i64| i18n::number(locale, n as f64);
    let items = vec![
        (t("seg-members"), number(members.unwrap_or(p.customers))),
        (t("an-buyers"), number(p.buyers)),
        (t("seg-orders"), number(p.orders)),
        (t("an-total-revenue"), money(Some(p.revenue_minor))),
        (t("an-aov"), money(p.average_order_value_minor)),
        (
            t("an-churn-rate"),
            p.churn_rate
                .map_or_else(|| "—".to_owned(), |r| i18n::percent(locale, r)),
        ),
    ];
    figure_list("segment-figures", "figures", items)
}

/// The five largest groups of one dimension with their shares.
fn top_five(
    locale: Locale,
    d: &PortraitDimension,
    id: &'static str,
    group: &str,
    regions: &Regions,
) -> AnyView {
    let t = |key| message(locale, key, None);
    let rows = d
        .groups
        .iter()
        .take(5)
        .map(|g| {
            let name = match g.key.as_deref() {
                None => t("dist-not-set"),
                Some(code) if group.is_empty() => regions
                    .name(locale, code)
                    .or_else(|| g.label.clone())
                    .unwrap_or_else(|| code.to_owned()),
                Some(key) => i18n::vocab(locale, group, key),
            };
            let cells = vec![
                Cell {
                    text: name,
                    meter: Some(g.share),
                    ..Cell::default()
                },
                Cell::num(i18n::number(locale, g.customers as f64)),
                Cell {
                    class: "num muted",
                    ..Cell::num(i18n::percent(locale, g.share))
                },
            ];
            (g.key.clone().unwrap_or_default(), false, cells)
        })
        .collect();
    let heads = vec![
        (String::new(), ""),
        (t("an-customers"), "num"),
        (t("dist-share"), "num"),
    ];
    data_table(id, "group", heads, rows)
}

fn dimensions(locale: Locale, p: &Portrait, regions: &Regions) -> AnyView {
    DIMENSIONS
        .iter()
        .filter_map(|(dimension, id, group)| {
            let d = p
                .dimensions
                .iter()
                .find(|d| d.dimension.as_str() == *dimension)?;
            Some(view! {
                <div class="seg-dim">
                    <h3>{message(locale, id, None)}</h3>
                    {top_five(locale, d, id, group, regions)}
                </div>
            })
        })
        .collect_view()
        .into_any()
}

fn members(locale: Locale, customers: &[Customer], currency: &str) -> AnyView {
    let t = |key| message(locale, key, None);
    let heads = vec![
        (t("field-name"), ""),
        (t("seg-orders"), "num"),
        (t("seg-revenue"), "num"),
    ];
    let rows = customers
        .iter()
        .map(|c| {
            let (orders, revenue) = c
                .metrics
                .as_ref()
                .map_or((0, 0), |m| (m.order_count, m.revenue_minor));
            let cells = vec![
                Cell {
                    text: c.name.clone(),
                    href: Some(format!("/customers/{}", c.id)),
                    ..Cell::default()
                },
                Cell::num(i18n::number(locale, f64::from(orders))),
                Cell::num(i18n::money_whole(locale, revenue as f64, currency)),
            ];
            (c.id.to_string(), false, cells)
        })
        .collect();
    data_table("segment-members", "member", heads, rows)
}

#[component]
pub fn Detail(id: Uuid, shared: Shared) -> impl IntoView {
    let locale = use_locale();
    let session = use_session();
    let lookups = use_lookups();
    let toasts = use_toasts();
    let t = use_t();
    let t1 = use_t1();
    let changed = shared.changed;
    let segment = Load::<Segment>::new(move || {
        changed.track();
        format!("/api/v1/segments/{id}")
    });
    let portrait = Load::<Portrait>::new(move || {
        changed.track();
        format!("/api/v1/analytics/portrait?segment_id={id}")
    });
    // Paged, not Load: the customer list's decoding, shared.
    let top = Paged::<Customer>::new(move || {
        changed.track();
        format!("/api/v1/customers?segment_id={id}&sort=-revenue&limit=10")
    });
    let confirm_delete = RwSignal::new(false);
    let exporting = RwSignal::new(false);
    let name = move || segment.ok_with(|s| s.name.clone()).unwrap_or_default();

    let export = move |_| {
        let file = format!("{}.csv", name().replace(['/', '\\'], "-"));
        exporting.set(true);
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/customers/export?segment_id={id}");
            if let Err(err) = crate::api::download(&path, &file).await {
                toasts.error(err.to_string());
            }
            exporting.set(false);
        });
    };
    let navigate = StoredValue::new_local(use_navigate());
    let delete = move || {
        let navigate = navigate.get_value();
        let name = name();
        leptos::task::spawn_local(async move {
            match crate::api::delete(&format!("/api/v1/segments/{id}"), None).await {
                Ok(()) => {
                    toasts.success(t1("seg-deleted", "name", name));
                    navigate("/segments", Default::default());
                    shared.saved();
                }
                Err(err) if err.status == 403 => toasts.error(t("seg-forbidden")),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let edit = move |_| {
        if let Some(s) = segment.ok_with(Clone::clone) {
            shared.form.set(Some(Some(s)));
        }
    };
    let head = move || match segment.get() {
        None => view! { <Skeleton rows=2/> }.into_any(),
        Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
        Some(Ok(s)) => {
            let teams = shared.teams.items();
            let rules = summary(locale.get(), &s.rules, &lookups, &teams);
            view! {
                <h2 id="segment-title">{s.name.clone()}</h2>
                {s.description.clone().map(|d| view! { <p class="muted" id="segment-description">{d}</p> })}
                <p class="seg-rules" id="segment-rules">{rules}</p>
            }
            .into_any()
        }
    };
    let body = move || match portrait.get() {
        None => view! { <Skeleton rows=4/> }.into_any(),
        Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
        Some(Ok(p)) => {
            let locale = locale.get();
            let count = segment.ok_with(|s| s.member_count).flatten();
            let people = match top.error.get() {
                Some(e) => view! { <ErrorView error=e/> }.into_any(),
                None if top.loading.get() && top.items.with(Vec::is_empty) => {
                    view! { <Skeleton rows=3/> }.into_any()
                }
                None if top.items.with(Vec::is_empty) => {
                    view! { <Empty message=tr("no-customers")/> }.into_any()
                }
                None => top.items.with(|items| members(locale, items, &p.currency)),
            };
            view! {
                {figures(locale, count, &p)}
                <div class="seg-dims">{lookups.regions.with(|r| dimensions(locale, &p, r))}</div>
                <div class="section-head">
                    <h3>{tr("seg-top-members")}</h3>
                    <a id="segment-customers" href=format!("/customers?segment_id={id}")>{tr("seg-all-members")}</a>
                </div>
                {people}
            }
            .into_any()
        }
    };
    let can = move |action| session.can_all(ObjectType::Segments, action);

    view! {
        <div class="card seg-detail" id="segment-detail" class:stale=move || segment.loading() || portrait.loading()>
            <div class="seg-head">
                <div class="seg-head-text">{head}</div>
                <div class="actions">
                    <When when=move || session.can(ObjectType::Customers, Action::Export)>
                        <button id="segment-export" disabled=Signal::derive(move || exporting.get()) on:click=export>{tr("seg-export")}</button>
                    </When>
                    <When when=move || can(Action::Update)>
                        <button id="edit-segment" on:click=edit>{tr("edit")}</button>
                    </When>
                    <When when=move || can(Action::Delete)>
                        <button id="delete-segment" class="danger" on:click=move |_| confirm_delete.set(true)>{tr("delete")}</button>
                    </When>
                </div>
            </div>
            {body}
        </div>
        <Confirm open=confirm_delete message=Signal::derive(move || t1("seg-confirm-delete", "name", name())) on_confirm=delete/>
    }
}
