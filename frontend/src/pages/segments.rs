//! Saved customer segments (客户分群): the list, each segment's rules in
//! words, the chosen segment's members and portrait (`detail`), and the
//! form that creates and edits one (`form`). The chosen segment is in the
//! URL (`/segments?id=…`). From `/api/v1/segments`, with members from
//! `/customers?segment_id=…` and the portrait from
//! `/analytics/portrait?segment_id=…`. Writing needs the `segments`
//! permission at scope `all` (as the server checks); the buttons are
//! hidden from everyone else.

mod detail;
mod form;

use crm_api_types::Page;
use crm_api_types::access::Team;
use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::segments::{Segment, SegmentRules};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::components::{Cell, Empty, ErrorView, Skeleton, When, data_table};
use crate::i18n::{self, Locale, message, tr, use_locale};
use crate::load::Load;
use crate::pages::analytics::message1;
use crate::session::{Lookups, use_lookups, use_session};

/// What the page's parts share.
#[derive(Clone, Copy)]
struct Shared {
    /// Bumped after every write: the list and the detail load again.
    changed: RwSignal<u32>,
    /// The form: closed (`None`), a new segment, or this one to edit.
    form: RwSignal<Option<Option<Segment>>>,
    teams: Load<Page<Team>>,
}

impl Shared {
    fn saved(self) {
        self.changed.update(|n| *n += 1);
    }
}

fn href(id: Uuid) -> String {
    format!("/segments?id={id}")
}

/// The rules in words, e.g. "广东省 · 订单 ≥ 3 · 最近下单 ≥ 2026-06-01";
/// "all customers" when there are none.
fn summary(locale: Locale, r: &SegmentRules, lookups: &Lookups, teams: &[Team]) -> String {
    let arg = |key: &str, value: String| message1(locale, key, "value", value);
    let mut parts = Vec::new();
    if let Some(code) = &r.region {
        parts.push(
            lookups
                .regions
                .with(|regions| regions.name(locale, code))
                .unwrap_or_else(|| code.clone()),
        );
    }
    let words = [
        ("kind", r.kind.map(|v| v.as_str())),
        ("industry", r.industry.map(|v| v.as_str())),
        ("size", r.size_band.map(|v| v.as_str())),
        ("stage", r.lifecycle_stage.map(|v| v.as_str())),
        ("source", r.source.map(|v| v.as_str())),
        ("rfm", r.rfm_segment.map(|v| v.as_str())),
    ];
    parts.extend(
        words
            .into_iter()
            .filter_map(|(group, value)| value.map(|v| i18n::vocab(locale, group, v))),
    );
    if r.owner_id.is_some() {
        parts.push(arg("seg-rule-owner", lookups.user_name(r.owner_id)));
    }
    if let Some(id) = r.team_id {
        let name = teams.iter().find(|t| t.id == id).map(|t| t.name.clone());
        parts.push(arg("seg-rule-team", name.unwrap_or_default()));
    }
    if let Some(id) = r.tag_id {
        let name = lookups
            .tags
            .with(|tags| tags.iter().find(|t| t.id == id).map(|t| t.name.clone()));
        parts.push(arg("seg-rule-tag", name.unwrap_or_default()));
    }
    if let Some(q) = &r.q {
        parts.push(arg("seg-rule-q", q.clone()));
    }
    let money = |minor: i64| i18n::money_whole(locale, minor as f64, "CNY");
    let bounds = [
        ("seg-rule-min-orders", r.min_orders.map(|n| n.to_string())),
        ("seg-rule-max-orders", r.max_orders.map(|n| n.to_string())),
        ("seg-rule-min-revenue", r.min_revenue_minor.map(money)),
        ("seg-rule-max-revenue", r.max_revenue_minor.map(money)),
        (
            "seg-rule-last-from",
            r.last_order_from.map(|d| d.to_string()),
        ),
        ("seg-rule-last-to", r.last_order_to.map(|d| d.to_string())),
        (
            "seg-rule-created-from",
            r.created_from.map(|d| d.date_naive().to_string()),
        ),
        (
            "seg-rule-created-to",
            r.created_to.map(|d| d.date_naive().to_string()),
        ),
    ];
    parts.extend(
        bounds
            .into_iter()
            .filter_map(|(key, value)| value.map(|v| arg(key, v))),
    );
    if parts.is_empty() {
        message(locale, "seg-rule-all", None)
    } else {
        parts.join(" · ")
    }
}

fn list(
    locale: Locale,
    segments: &[Segment],
    selected: Option<Uuid>,
    lookups: &Lookups,
    teams: &[Team],
) -> AnyView {
    let t = |key| message(locale, key, None);
    let heads = vec![
        (t("field-name"), ""),
        (t("seg-description"), ""),
        (t("seg-rules"), ""),
    ];
    let rows = segments
        .iter()
        .map(|s| {
            let cells = vec![
                Cell {
                    text: s.name.clone(),
                    href: Some(href(s.id)),
                    ..Cell::default()
                },
                Cell {
                    text: s.description.clone().unwrap_or_default(),
                    class: "muted",
                    ..Cell::default()
                },
                Cell {
                    text: summary(locale, &s.rules, lookups, teams),
                    class: "seg-summary",
                    ..Cell::default()
                },
            ];
            (s.id.to_string(), selected == Some(s.id), cells)
        })
        .collect();
    data_table("segment-list", "saved-segment", heads, rows)
}

#[component]
pub fn Segments() -> impl IntoView {
    let locale = use_locale();
    let session = use_session();
    let lookups = use_lookups();
    let query = use_query_map();
    let selected =
        Memo::new(move |_| query.with(|q| q.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    let changed = RwSignal::new(0u32);
    let shared = Shared {
        changed,
        form: RwSignal::new(None),
        teams: Load::new(|| "/api/v1/teams".to_owned()),
    };
    let segments = Load::<Page<Segment>>::new(move || {
        changed.track();
        "/api/v1/segments".to_owned()
    });
    let table = move || match segments.get() {
        None => view! { <Skeleton rows=4/> }.into_any(),
        Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
        Some(Ok(page)) if page.items.is_empty() => {
            view! { <Empty message=tr("seg-none")/> }.into_any()
        }
        Some(Ok(page)) => {
            let teams = shared.teams.items();
            lookups.regions.track();
            list(locale.get(), &page.items, selected.get(), &lookups, &teams)
        }
    };
    let form = move || match shared.form.get() {
        Some(existing) => view! { <form::SegmentForm existing=existing shared=shared/> }.into_any(),
        None => ().into_any(),
    };
    let detail = move || match selected.get() {
        Some(id) => view! { <detail::Detail id=id shared=shared/> }.into_any(),
        None => view! { <div class="card muted" id="segment-hint">{tr("seg-pick-hint")}</div> }
            .into_any(),
    };

    view! {
        <section class="segments-page">
            <div class="toolbar">
                <h1 id="page-title">{tr("nav-segments")}</h1>
                <When when=move || session.can_all(ObjectType::Segments, Action::Create)>
                    <button id="new-segment" class="primary" on:click=move |_| shared.form.set(Some(None))>{tr("seg-new")}</button>
                </When>
            </div>
            {form}
            <div class="seg-grid">
                <div class="card seg-list-card">{table}</div>
                <div>{detail}</div>
            </div>
        </section>
    }
}
