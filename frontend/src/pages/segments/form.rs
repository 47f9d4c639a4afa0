//! Creating and editing a segment: name, description and the rules the
//! customer list filters by. The form's own checks catch what is not a
//! number; the server's field errors (`name`, `rules.min_orders`, …) show
//! beside their inputs, a taken name (409) beside the name. An edit sends
//! `If-Match`; a 412 says someone else changed the segment. Rules the form
//! has no input for (creation dates) are kept as they were.

use std::collections::BTreeMap;

use crm_api_types::domain::analytics::RfmSegment;
use crm_api_types::domain::customer::{CustomerKind, Industry, LifecycleStage, SizeBand, Source};
use crm_api_types::segments::{NewSegment, Segment, SegmentPatch, SegmentRules};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::{Shared, href};
use crate::api::ApiError;
use crate::components::{ErrorView, FieldError, When, use_toasts};
use crate::i18n::{Locale, tr, use_locale, use_t, use_t1, vocab};
use crate::pages::customers::filters::split_region;
use crate::session::use_lookups;
use crate::vocab::{self as vocabs, Vocab};

/// Every input, as the text the user typed or picked.
#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    description: RwSignal<String>,
    q: RwSignal<String>,
    kind: RwSignal<String>,
    industry: RwSignal<String>,
    size_band: RwSignal<String>,
    lifecycle_stage: RwSignal<String>,
    source: RwSignal<String>,
    region: RwSignal<String>,
    owner_id: RwSignal<String>,
    team_id: RwSignal<String>,
    tag_id: RwSignal<String>,
    rfm_segment: RwSignal<String>,
    min_orders: RwSignal<String>,
    max_orders: RwSignal<String>,
    min_revenue: RwSignal<String>,
    max_revenue: RwSignal<String>,
    last_order_from: RwSignal<String>,
    last_order_to: RwSignal<String>,
}

fn text(value: Option<impl ToString>) -> RwSignal<String> {
    RwSignal::new(value.map(|v| v.to_string()).unwrap_or_default())
}

/// Minor units as yuan: 123450 → "1234.5".
fn yuan(minor: Option<i64>) -> RwSignal<String> {
    text(minor.map(|m| m as f64 / 100.0))
}

/// The trimmed text, `None` when empty.
fn given(s: RwSignal<String>) -> Option<String> {
    let v = s.get_untracked();
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// "1234.5" yuan → 123450 fen; `Err` when it is no amount.
fn fen(s: RwSignal<String>) -> Result<Option<i64>, ()> {
    let Some(raw) = given(s) else { return Ok(None) };
    let value: f64 = raw.replace([',', ' '], "").parse().map_err(|_| ())?;
    if !value.is_finite() || value.abs() >= 9.0e15 {
        return Err(());
    }
    Ok(Some((value * 100.0).round() as i64))
}

fn whole(s: RwSignal<String>) -> Result<Option<i32>, ()> {
    given(s).map(|v| v.parse().map_err(|_| ())).transpose()
}

impl Fields {
    fn new(s: Option<&Segment>) -> Self {
        let r = s.map(|s| &s.rules);
        Self {
            name: text(s.map(|s| &s.name)),
            description: text(s.and_then(|s| s.description.as_ref())),
            q: text(r.and_then(|r| r.q.as_ref())),
            kind: text(r.and_then(|r| r.kind)),
            industry: text(r.and_then(|r| r.industry)),
            size_band: text(r.and_then(|r| r.size_band)),
            lifecycle_stage: text(r.and_then(|r| r.lifecycle_stage)),
            source: text(r.and_then(|r| r.source)),
            region: text(r.and_then(|r| r.region.as_ref())),
            owner_id: text(r.and_then(|r| r.owner_id)),
            team_id: text(r.and_then(|r| r.team_id)),
            tag_id: text(r.and_then(|r| r.tag_id)),
            rfm_segment: text(r.and_then(|r| r.rfm_segment)),
            min_orders: text(r.and_then(|r| r.min_orders)),
            max_orders: text(r.and_then(|r| r.max_orders)),
            min_revenue: yuan(r.and_then(|r| r.min_revenue_minor)),
            max_revenue: yuan(r.and_then(|r| r.max_revenue_minor)),
            last_order_from: text(r.and_then(|r| r.last_order_from)),
            last_order_to: text(r.and_then(|r| r.last_order_to)),
        }
    }

    /// The obvious mistakes, by the server's field names (catalog keys).
    fn check(&self) -> BTreeMap<&'static str, &'static str> {
        let mut errors = BTreeMap::new();
        let name = self.name.get_untracked();
        if name.trim().is_empty() {
            errors.insert("name", "check-required");
        } else if name.trim().chars().count() > 100 {
            errors.insert("name", "seg-check-name-long");
        }
        for (field, s) in [
            ("rules.min_orders", self.min_orders),
            ("rules.max_orders", self.max_orders),
        ] {
            if whole(s).is_err() {
                errors.insert(field, "check-whole-number");
            }
        }
        for (field, s) in [
            ("rules.min_revenue_minor", self.min_revenue),
            ("rules.max_revenue_minor", self.max_revenue),
        ] {
            if fen(s).is_err() {
                errors.insert(field, "check-amount");
            }
        }
        errors
    }

    /// The rules: `base` (what was stored) with every input of the form
    /// applied; an empty input drops its rule.
    fn rules(&self, mut r: SegmentRules) -> SegmentRules {
        let pick = |s: RwSignal<String>| given(s).unwrap_or_default();
        r.q = given(self.q);
        r.kind = CustomerKind::parse(&pick(self.kind)).ok();
        r.industry = Industry::parse(&pick(self.industry)).ok();
        r.size_band = SizeBand::parse(&pick(self.size_band)).ok();
        r.lifecycle_stage = LifecycleStage::parse(&pick(self.lifecycle_stage)).ok();
        r.source = Source::parse(&pick(self.source)).ok();
        r.rfm_segment = RfmSegment::parse(&pick(self.rfm_segment)).ok();
        r.region = given(self.region);
        r.owner_id = pick(self.owner_id).parse().ok();
        r.team_id = pick(self.team_id).parse().ok();
        r.tag_id = pick(self.tag_id).parse().ok();
        r.min_orders = whole(self.min_orders).ok().flatten();
        r.max_orders = whole(self.max_orders).ok().flatten();
        r.min_revenue_minor = fen(self.min_revenue).ok().flatten();
        r.max_revenue_minor = fen(self.max_revenue).ok().flatten();
        r.last_order_from = pick(self.last_order_from).parse().ok();
        r.last_order_to = pick(self.last_order_to).parse().ok();
        r
    }
}

/// A vocabulary's values with their labels.
fn vocab_options(locale: Locale, vocabulary: Vocab) -> Vec<(String, String)> {
    (vocabulary.values)()
        .into_iter()
        .map(|v| (v.to_owned(), vocab(locale, vocabulary.group, v)))
        .collect()
}

#[component]
pub fn SegmentForm(existing: Option<Segment>, shared: Shared) -> impl IntoView {
    let t = use_t();
    let t1 = use_t1();
    let locale = use_locale();
    let lookups = use_lookups();
    let toasts = use_toasts();
    let f = Fields::new(existing.as_ref());
    let editing = existing.is_some();
    let target = existing.as_ref().map(|s| (s.id, s.version));
    let base = StoredValue::new(existing.map(|s| s.rules).unwrap_or_default());
    let local = RwSignal::new(BTreeMap::<&'static str, &'static str>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let stale = RwSignal::new(false);
    let busy = RwSignal::new(false);
    // Our own check first (translated), then a taken name, then the server's message.
    let error = move |field: &'static str| {
        Signal::derive(move || {
            local.with(|l| l.get(field).map(|key| t(key))).or_else(|| {
                failure.with(|e| match e {
                    Some(e) if e.status == 409 && field == "name" => Some(t("seg-name-taken")),
                    Some(e) => e.field(field),
                    None => None,
                })
            })
        })
    };
    // A failure no input shows (a 403, a network error).
    let general = move || {
        failure
            .get()
            .filter(|e| e.errors.is_empty() && e.status != 409)
    };
    let navigate = StoredValue::new_local(use_navigate());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = f.check();
        let clean = checked.is_empty();
        local.set(checked);
        if !clean {
            return;
        }
        let name = f.name.get_untracked().trim().to_owned();
        let description = given(f.description);
        let rules = f.rules(base.get_value());
        let navigate = navigate.get_value();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = match target {
                Some((id, version)) => {
                    let patch = SegmentPatch {
                        name: Some(name),
                        description: Some(description),
                        rules: Some(rules),
                    };
                    crate::api::patch::<Segment, _>(
                        &format!("/api/v1/segments/{id}"),
                        &patch,
                        version,
                    )
                    .await
                }
                None => {
                    let new = NewSegment {
                        name,
                        description,
                        rules,
                    };
                    crate::api::post::<Segment, _>("/api/v1/segments", &new).await
                }
            };
            busy.set(false);
            match result {
                Ok(saved) => {
                    toasts.success(t1("seg-saved", "name", saved.name.clone()));
                    shared.form.set(None);
                    navigate(&href(saved.id), Default::default());
                    shared.saved();
                }
                Err(err) if err.is_stale() => stale.set(true),
                Err(err) => {
                    if err.status == 403 {
                        toasts.error(t("seg-forbidden"));
                    }
                    failure.set(Some(err));
                }
            }
        });
    };

    let input = move |id: &'static str,
                      label: &'static str,
                      field: &'static str,
                      signal: RwSignal<String>,
                      kind: &'static str| {
        view! {
            <label>{tr(label)}
                <input id=id type=kind bind:value=signal aria-invalid=Signal::derive(move || error(field).get().is_some().to_string())/>
                <FieldError id=format!("{id}-error") message=error(field)/>
            </label>
        }
    };
    // Every select of the form: what it shows, what a choice does, its options.
    let choice = move |id: &'static str,
                       label: &'static str,
                       field: &'static str,
                       current: Signal<String>,
                       set: Callback<String>,
                       options: Signal<Vec<(String, String)>>| {
        view! {
            <label>{tr(label)}
                <select id=id on:change=move |ev| set.run(event_target_value(&ev))>
                    <option value="" selected=Signal::derive(move || current.get().is_empty())>{tr("seg-any")}</option>
                    {move || options.get().into_iter().map(|(value, text)| {
                        let v = value.clone();
                        view! { <option value=value selected=Signal::derive(move || current.get() == v)>{text}</option> }
                    }).collect_view()}
                </select>
                <FieldError id=format!("{id}-error") message=error(field)/>
            </label>
        }
    };
    let pick = move |id: &'static str,
                     label: &'static str,
                     field: &'static str,
                     signal: RwSignal<String>,
                     vocabulary: Vocab| {
        choice(
            id,
            label,
            field,
            signal.into(),
            Callback::new(move |v| signal.set(v)),
            Signal::derive(move || vocab_options(locale.get(), vocabulary)),
        )
    };
    let place = move |r: &crm_api_types::regions::Region| {
        let name = if locale.get() == Locale::ZhCn {
            r.name_zh.clone()
        } else {
            r.name_en.clone()
        };
        (r.code.clone(), name)
    };
    let region = Memo::new(move |_| split_region(&f.region.get()));
    let province = choice(
        "seg-province",
        "field-province",
        "rules.region",
        Signal::derive(move || region.get().0),
        Callback::new(move |v| f.region.set(v)),
        Signal::derive(move || {
            lookups
                .regions
                .with(|r| r.provinces.iter().map(place).collect())
        }),
    );
    let city = choice(
        "seg-city",
        "field-city",
        "rules.region.city",
        Signal::derive(move || region.get().1),
        Callback::new(move |v: String| {
            f.region.set(if v.is_empty() {
                region.get_untracked().0
            } else {
                v
            })
        }),
        Signal::derive(move || {
            let province = region.get().0;
            lookups
                .regions
                .with(|r| r.cities_of(&province).map(place).collect())
        }),
    );
    let owner = choice(
        "seg-owner",
        "field-owner",
        "rules.owner_id",
        f.owner_id.into(),
        Callback::new(move |v| f.owner_id.set(v)),
        Signal::derive(move || {
            lookups.users.with(|u| {
                u.iter()
                    .map(|u| (u.id.to_string(), u.display_name.clone()))
                    .collect()
            })
        }),
    );
    let team = choice(
        "seg-team",
        "field-team",
        "rules.team_id",
        f.team_id.into(),
        Callback::new(move |v| f.team_id.set(v)),
        Signal::derive(move || {
            shared
                .teams
                .items()
                .into_iter()
                .map(|t| (t.id.to_string(), t.name))
                .collect()
        }),
    );
    let tag = choice(
        "seg-tag",
        "seg-tag",
        "rules.tag_id",
        f.tag_id.into(),
        Callback::new(move |v| f.tag_id.set(v)),
        Signal::derive(move || {
            lookups.tags.with(|t| {
                t.iter()
                    .map(|t| (t.id.to_string(), t.name.clone()))
                    .collect()
            })
        }),
    );

    view! {
        <form class="card form segment-form" id="segment-form" on:submit=submit novalidate>
            <h2>{tr(if editing { "seg-edit" } else { "seg-new" })}</h2>
            <When when=move || stale.get()>
                <div class="error-box" id="stale" role="alert">
                    <strong>{tr("stale-title")}</strong>
                    <p>{tr("stale-detail")}</p>
                    <button type="button" on:click=move |_| { let _ = web_sys::window().map(|w| w.location().reload()); }>{tr("reload")}</button>
                </div>
            </When>
            <fieldset>
                {input("seg-name", "field-name", "name", f.name, "text")}
                {input("seg-description", "seg-description", "description", f.description, "text")}
            </fieldset>
            <fieldset>
                <legend>{tr("seg-who")}</legend>
                {pick("seg-kind", "field-kind", "rules.kind", f.kind, vocabs::KIND)}
                {pick("seg-industry", "field-industry", "rules.industry", f.industry, vocabs::INDUSTRY)}
                {pick("seg-size-band", "field-size-band", "rules.size_band", f.size_band, vocabs::SIZE)}
                {pick("seg-lifecycle-stage", "field-lifecycle-stage", "rules.lifecycle_stage", f.lifecycle_stage, vocabs::STAGE)}
                {pick("seg-source", "field-source", "rules.source", f.source, vocabs::SOURCE)}
                {province}
                {city}
                {owner}
                {team}
                {tag}
                {input("seg-q", "seg-q", "rules.q", f.q, "text")}
            </fieldset>
            <fieldset>
                <legend>{tr("seg-behaviour")}</legend>
                {pick("seg-rfm", "dim-rfm-segment", "rules.rfm_segment", f.rfm_segment, vocabs::RFM)}
                {input("seg-min-orders", "seg-min-orders", "rules.min_orders", f.min_orders, "number")}
                {input("seg-max-orders", "seg-max-orders", "rules.max_orders", f.max_orders, "number")}
                {input("seg-min-revenue", "seg-min-revenue", "rules.min_revenue_minor", f.min_revenue, "number")}
                {input("seg-max-revenue", "seg-max-revenue", "rules.max_revenue_minor", f.max_revenue, "number")}
                {input("seg-last-from", "seg-last-from", "rules.last_order_from", f.last_order_from, "date")}
                {input("seg-last-to", "seg-last-to", "rules.last_order_to", f.last_order_to, "date")}
            </fieldset>
            {move || general().map(|e| view! { <ErrorView error=e/> })}
            <div class="actions">
                <button type="button" id="seg-cancel" on:click=move |_| shared.form.set(None)>{tr("cancel")}</button>
                <button id="seg-save" type="submit" class="primary" disabled=Signal::derive(move || busy.get())>{tr("save")}</button>
            </div>
        </form>
    }
}
