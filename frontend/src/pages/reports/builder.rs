//! The report builder: choose the object, up to two groupings (dates by a
//! grain), the measure, conditions, a period and the chart; every change
//! runs the definition on the server (`POST /reports/run`) and redraws the
//! preview. Saves as a new report, saves changes (with the version read),
//! saves a copy of someone else's shared report, downloads the CSV and
//! deletes. Which choices a field offers follows its kind, from the same
//! catalogue the server checks with (`crm_domain::reports`).

use crm_api_types::domain::reports::{field, fields};
use crm_api_types::reports::{
    Aggregate, ChartKind, DateGrain, NewReport, RelativePeriod, Report, ReportCondition,
    ReportData, ReportFieldKind, ReportGrouping, ReportMeasure, ReportObject, ReportOperator,
    ReportPatch, ReportPeriod, ReportSpec, StandardReport,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use uuid::Uuid;

use super::chart::{self, field_name};
use crate::api::{self, ApiError};
use crate::components::{Confirm, ErrorView, When, use_toasts};
use crate::echarts::Chart;
use crate::i18n::{Locale, message, tr, use_locale};
use crate::session::use_lookups;

fn spec_for(object: ReportObject) -> ReportSpec {
    let first = fields(object)
        .iter()
        .find(|f| f.kind.groups() && f.kind != ReportFieldKind::Date);
    ReportSpec {
        object,
        group_by: first
            .map(|f| ReportGrouping {
                field: f.key.to_owned(),
                grain: None,
            })
            .into_iter()
            .collect(),
        measure: ReportMeasure {
            aggregate: Aggregate::Count,
            field: None,
        },
        filters: Vec::new(),
        period: None,
        chart: ChartKind::Bar,
    }
}

/// The relative periods, after "fixed days" (empty).
pub(crate) fn relatives(locale: Locale) -> Vec<(String, String)> {
    std::iter::once((String::new(), message(locale, "rel-fixed", None)))
        .chain(RelativePeriod::ALL.iter().map(|r| {
            (
                r.as_str().to_owned(),
                message(locale, &key("rel", r.as_str()), None),
            )
        }))
        .collect()
}

/// The charts a number of groupings can draw.
fn charts(groupings: usize) -> Vec<ChartKind> {
    ChartKind::ALL
        .iter()
        .copied()
        .filter(|c| match c {
            ChartKind::StackedBar => groupings == 2,
            ChartKind::Pie => groupings == 1,
            ChartKind::Number => groupings == 0,
            _ => true,
        })
        .collect()
}

/// Keeps the chart one the groupings can draw.
fn fit_chart(spec: &mut ReportSpec) {
    if !charts(spec.group_by.len()).contains(&spec.chart) {
        spec.chart = if spec.group_by.len() == 2 {
            ChartKind::StackedBar
        } else {
            ChartKind::Bar
        };
    }
}

fn operators(kind: ReportFieldKind) -> Vec<ReportOperator> {
    use ReportOperator::*;
    match kind {
        ReportFieldKind::Date | ReportFieldKind::Number | ReportFieldKind::Money => {
            vec![Eq, Ne, Gte, Lte, IsEmpty, NotEmpty]
        }
        _ => vec![Eq, Ne, IsEmpty, NotEmpty],
    }
}

pub(crate) fn key(prefix: &str, value: &str) -> String {
    format!("{prefix}-{}", value.replace('_', "-"))
}

/// A `<select>` of `(value, label)` options.
pub(crate) fn select(
    id: String,
    options: Vec<(String, String)>,
    current: impl Fn() -> String + Send + Sync + 'static,
    on_change: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <select id=id prop:value=current on:change=move |ev| on_change(event_target_value(&ev))>
            {options.into_iter().map(|(value, label)| view! { <option value=value.clone()>{label}</option> }).collect_view()}
        </select>
    }
}

#[component]
pub fn ReportBuilder() -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let toasts = use_toasts();
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        params
            .with(|p| p.get("id"))
            .and_then(|s| s.parse::<Uuid>().ok())
    });
    let spec = RwSignal::new(spec_for(ReportObject::Deals));
    let name = RwSignal::new(String::new());
    let shared = RwSignal::new(false);
    let saved = RwSignal::new(None::<Report>);
    let load_error = RwSignal::new(None::<ApiError>);
    let result = RwSignal::new(None::<Result<ReportData, ApiError>>);
    let asking = RwSignal::new(false);
    let navigate = StoredValue::new_local(use_navigate());
    let go = move |to: &str| navigate.with_value(|n| n(to, Default::default()));

    // What the page starts from: the saved report, a standard one, or a new one.
    Effect::new(move |_| {
        let standard = query.with(|q| q.get("standard"));
        match id.get() {
            Some(id) => spawn_local(async move {
                match api::get::<Report>(&format!("/api/v1/reports/{id}")).await {
                    Ok(r) => {
                        spec.set(r.spec.clone());
                        name.set(r.name.clone());
                        shared.set(r.shared);
                        saved.set(Some(r));
                    }
                    Err(e) => load_error.set(Some(e)),
                }
            }),
            None => {
                saved.set(None);
                if let Some(key) = standard {
                    spawn_local(async move {
                        let list =
                            api::get::<Vec<StandardReport>>("/api/v1/reports/standard").await;
                        if let Some(s) =
                            list.ok().and_then(|l| l.into_iter().find(|s| s.key == key))
                        {
                            name.set(if locale.get_untracked() == Locale::ZhCn {
                                s.name_zh
                            } else {
                                s.name_en
                            });
                            spec.set(s.spec);
                        }
                    });
                }
            }
        }
    });

    // Every change of the definition runs it; a later run overtakes an earlier one.
    let generation = StoredValue::new(0_u32);
    Effect::new(move |_| {
        let s = spec.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        spawn_local(async move {
            let answer = api::post::<ReportData, _>("/api/v1/reports/run", &s).await;
            if generation.try_get_value() == Some(mine) {
                result.set(Some(answer));
            }
        });
    });

    let el = NodeRef::new();
    let chart_error = RwSignal::new(None::<ApiError>);
    let drawn = Chart::new(|_| {}, el);
    let has_chart = Signal::derive(move || {
        result.with(
            |r| matches!(r, Some(Ok(d)) if !matches!(d.spec.chart, ChartKind::Table | ChartKind::Number) && !d.rows.is_empty()),
        )
    });
    Effect::new(move |_| {
        let locale = locale.get();
        let option = result.with(|r| match r {
            Some(Ok(d)) => chart::option(locale, &lookups, d),
            _ => None,
        });
        if let Some(option) = option {
            spawn_local(async move {
                if let Err(e) = drawn.show(el, None, option.to_string()).await {
                    chart_error.set(Some(e));
                }
            });
        }
    });

    let save = move |copy: bool| {
        let body_spec = spec.get_untracked();
        let current = saved.get_untracked().filter(|r| r.editable && !copy);
        let title = name.get_untracked();
        let is_shared = shared.get_untracked();
        spawn_local(async move {
            let answer = match current {
                Some(r) => {
                    let patch = ReportPatch {
                        name: Some(title),
                        description: None,
                        spec: Some(body_spec),
                        shared: Some(is_shared),
                    };
                    api::patch::<Report, _>(&format!("/api/v1/reports/{}", r.id), &patch, r.version)
                        .await
                }
                None => {
                    let title = if copy {
                        format!(
                            "{title} {}",
                            message(locale.get_untracked(), "rp-copy-of", None)
                        )
                    } else {
                        title
                    };
                    let body = NewReport {
                        name: title,
                        description: None,
                        spec: body_spec,
                        shared: is_shared && !copy,
                    };
                    api::post::<Report, _>("/api/v1/reports", &body).await
                }
            };
            match answer {
                Ok(r) => {
                    toasts.success(message(locale.get_untracked(), "rp-saved", None));
                    let to = format!("/reports/{}", r.id);
                    name.set(r.name.clone());
                    saved.set(Some(r));
                    go(&to);
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    let remove = move || {
        if let Some(r) = saved.get_untracked() {
            spawn_local(async move {
                match api::delete(&format!("/api/v1/reports/{}", r.id), Some(r.version)).await {
                    Ok(()) => go("/reports"),
                    Err(e) => toasts.error(e.to_string()),
                }
            });
        }
    };
    let export = move |suffix: &'static str, file: &'static str| {
        if let Some(r) = saved.get_untracked() {
            spawn_local(async move {
                let path = format!("/api/v1/reports/{}/{suffix}", r.id);
                let answer = if file.ends_with(".xlsx") {
                    api::download_binary(&path, file, api::XLSX).await
                } else {
                    api::download(&path, file).await
                };
                if let Err(e) = answer {
                    toasts.error(e.to_string());
                }
            });
        }
    };
    let editable = Signal::derive(move || saved.with(|r| r.as_ref().is_none_or(|r| r.editable)));
    let is_saved = Signal::derive(move || saved.with(Option::is_some));

    view! {
        <section class="report-page" id="report-page">
            <div class="toolbar">
                <input id="report-name" class="title-input" placeholder=tr("rp-name") bind:value=name prop:disabled=move || !editable.get()/>
                <label class="check"><input type="checkbox" id="report-shared" bind:checked=shared prop:disabled=move || !editable.get()/>{tr("rp-shared")}</label>
                <span class="spacer"></span>
                <When when=editable>
                    <button class="primary" id="report-save" on:click=move |_| save(false)>{tr("rp-save")}</button>
                </When>
                <When when=is_saved>
                    <button id="report-save-copy" on:click=move |_| save(true)>{tr("rp-save-copy")}</button>
                    <button id="report-export" on:click=move |_| export("export", "report.csv")>{tr("rp-export")}</button>
                    <button id="report-export-xlsx" on:click=move |_| export("export.xlsx", "report.xlsx")>{tr("rp-export-xlsx")}</button>
                </When>
                <When when=move || is_saved.get() && editable.get()>
                    <button class="danger" id="report-delete" on:click=move |_| asking.set(true)>{tr("rp-delete")}</button>
                </When>
            </div>
            {move || load_error.get().map(|e| view! { <ErrorView error=e/> })}
            <Confirm open=asking message=tr("rp-delete-confirm") on_confirm=remove/>
            <div class="report-layout">
                <div class="card report-form">{move || form(spec, locale.get())}</div>
                <div class="card report-preview">
                    {move || chart_error.get().map(|e| view! { <ErrorView error=e/> })}
                    <div node_ref=el class="chart" id="report-chart" class:hidden=move || !has_chart.get() style="height:340px"></div>
                    {move || result.with(|r| match r {
                        None => ().into_any(),
                        Some(Err(e)) => problems(e.clone()).into_any(),
                        Some(Ok(d)) if d.spec.chart == ChartKind::Number => chart::number(locale.get(), d).into_any(),
                        Some(Ok(d)) => table(locale.get(), &lookups, d).into_any(),
                    })}
                </div>
            </div>
        </section>
    }
}

/// A refused definition: the problem and each field's message.
fn problems(e: ApiError) -> impl IntoView {
    let errors: Vec<String> = e
        .errors
        .iter()
        .flat_map(|(f, ms)| ms.iter().map(move |m| format!("{f}: {m}")))
        .collect();
    view! {
        <ErrorView error=e/>
        <ul class="field-errors" id="report-errors">{errors.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
    }
}

fn table(locale: Locale, lookups: &crate::session::Lookups, d: &ReportData) -> impl IntoView {
    let measure = chart::measure_name(locale, d);
    let heads: Vec<String> = d
        .spec
        .group_by
        .iter()
        .map(|g| field_name(locale, &g.field))
        .collect();
    let rows: Vec<Vec<String>> = (0..d.rows.len())
        .map(|r| {
            let mut cells: Vec<String> = (0..heads.len())
                .map(|i| chart::label(locale, lookups, d, r, i))
                .collect();
            cells.push(chart::figure(locale, d, d.rows[r].value));
            cells.push(d.rows[r].records.to_string());
            cells
        })
        .collect();
    let total = chart::figure(locale, d, d.total);
    let span = heads.len().max(1);
    view! {
        {d.truncated.then(|| view! { <p class="hint">{tr("rp-truncated")}</p> })}
        <table class="list" id="report-table">
            <thead><tr>
                {heads.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}
                <th class="num">{measure}</th><th class="num">{tr("rp-records")}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|cells| {
                    let n = cells.len();
                    view! { <tr>{cells.into_iter().enumerate().map(|(i, c)| { let num = i + 2 >= n; view! { <td class:num=num>{c}</td> } }).collect_view()}</tr> }
                }).collect_view()}
            </tbody>
            <tfoot><tr>
                <th colspan=span>{tr("rp-total")}</th>
                <th class="num" id="report-total">{total}</th><th class="num">{d.records}</th>
            </tr></tfoot>
        </table>
    }
}

/// The definition's controls.
fn form(spec: RwSignal<ReportSpec>, locale: Locale) -> impl IntoView {
    let t = move |k: &str| message(locale, k, None);
    let s = spec.get();
    let object = s.object;
    let all = fields(object);
    let objects: Vec<(String, String)> = ReportObject::ALL
        .iter()
        .map(|o| (o.as_str().to_owned(), t(&key("ro", o.as_str()))))
        .collect();
    let groupable: Vec<(String, String)> = std::iter::once((String::new(), t("rp-none")))
        .chain(
            all.iter()
                .filter(|f| f.kind.groups())
                .map(|f| (f.key.to_owned(), field_name(locale, f.key))),
        )
        .collect();
    let numbers: Vec<(String, String)> = all
        .iter()
        .filter(|f| f.kind.is_number())
        .map(|f| (f.key.to_owned(), field_name(locale, f.key)))
        .collect();
    let dates: Vec<(String, String)> = std::iter::once((String::new(), t("rp-none")))
        .chain(
            all.iter()
                .filter(|f| f.kind == ReportFieldKind::Date)
                .map(|f| (f.key.to_owned(), field_name(locale, f.key))),
        )
        .collect();
    let every: Vec<(String, String)> = all
        .iter()
        .map(|f| (f.key.to_owned(), field_name(locale, f.key)))
        .collect();
    let aggregates: Vec<(String, String)> = Aggregate::ALL
        .iter()
        .filter(|a| **a == Aggregate::Count || !numbers.is_empty())
        .map(|a| (a.as_str().to_owned(), t(&key("agg", a.as_str()))))
        .collect();
    let grains: Vec<(String, String)> = DateGrain::ALL
        .iter()
        .map(|g| (g.as_str().to_owned(), t(&key("grain", g.as_str()))))
        .collect();
    let chart_kinds: Vec<(String, String)> = charts(s.group_by.len())
        .iter()
        .map(|c| (c.as_str().to_owned(), t(&key("chart", c.as_str()))))
        .collect();

    let date_at: Vec<bool> = s
        .group_by
        .iter()
        .map(|g| field(object, &g.field).is_some_and(|f| f.kind == ReportFieldKind::Date))
        .collect();
    let grouping = move |i: usize| {
        let current = move || {
            spec.with(|s| {
                s.group_by
                    .get(i)
                    .map(|g| g.field.clone())
                    .unwrap_or_default()
            })
        };
        let is_date = date_at.get(i).copied().unwrap_or(false);
        let grains = grains.clone();
        view! {
            <label>{t(if i == 0 { "rp-group" } else { "rp-group-2" })}
                {select(format!("report-group-{i}"), groupable.clone(), current, move |v| spec.update(|s| {
                    if v.is_empty() {
                        s.group_by.truncate(i);
                    } else {
                        let grain = field(s.object, &v).filter(|f| f.kind == ReportFieldKind::Date).map(|_| DateGrain::Month);
                        let g = ReportGrouping { field: v, grain };
                        if i < s.group_by.len() { s.group_by[i] = g } else { s.group_by.push(g) }
                    }
                    fit_chart(s);
                }))}
            </label>
            {is_date.then(|| view! {
                <label>{t("rp-grain")}
                    {select(format!("report-grain-{i}"), grains, move || spec.with(|s| s.group_by.get(i).and_then(|g| g.grain).unwrap_or(DateGrain::Month).as_str().to_owned()),
                        move |v| spec.update(|s| if let (Some(g), Ok(grain)) = (s.group_by.get_mut(i), DateGrain::parse(&v)) { g.grain = Some(grain) }))}
                </label>
            })}
        }
    };
    let first_number = numbers.first().map(|(k, _)| k.clone());
    let filters = s.filters.clone();
    view! {
        <label>{t("rp-object")}
            {select("report-object".into(), objects, move || spec.with(|s| s.object.as_str().to_owned()),
                move |v| if let Ok(o) = ReportObject::parse(&v) { spec.set(spec_for(o)) })}
        </label>
        {grouping(0)}
        {(!s.group_by.is_empty()).then(|| grouping(1))}
        <label>{t("rp-measure")}
            {select("report-aggregate".into(), aggregates, move || spec.with(|s| s.measure.aggregate.as_str().to_owned()),
                move |v| spec.update(|s| if let Ok(a) = Aggregate::parse(&v) {
                    s.measure.aggregate = a;
                    s.measure.field = if a == Aggregate::Count { None } else { s.measure.field.clone().or_else(|| first_number.clone()) };
                }))}
        </label>
        {s.measure.field.is_some().then(|| view! {
            <label>{t("rp-measure-field")}
                {select("report-measure-field".into(), numbers.clone(), move || spec.with(|s| s.measure.field.clone().unwrap_or_default()),
                    move |v| spec.update(|s| s.measure.field = Some(v)))}
            </label>
        })}
        <fieldset class="report-filters" id="report-filters">
            <legend>{t("rp-filters")}</legend>
            {filters.into_iter().enumerate().map(|(i, c)| condition(spec, locale, object, i, c, every.clone())).collect_view()}
            <button type="button" class="link" id="report-add-filter" on:click=move |_| spec.update(|s| {
                let first = fields(s.object).first().map(|f| f.key.to_owned()).unwrap_or_default();
                s.filters.push(ReportCondition { field: first, op: ReportOperator::NotEmpty, value: None });
            })>{t("rp-add-filter")}</button>
        </fieldset>
        <label>{t("rp-period")}
            {select("report-period-field".into(), dates, move || spec.with(|s| s.period.as_ref().map(|p| p.field.clone()).unwrap_or_default()),
                move |v| spec.update(|s| s.period = (!v.is_empty()).then(|| ReportPeriod { field: v, from: s.period.as_ref().and_then(|p| p.from), to: s.period.as_ref().and_then(|p| p.to), relative: s.period.as_ref().and_then(|p| p.relative) })))}
        </label>
        {s.period.is_some().then(|| view! {
            <label>{t("rp-relative")}
                {select("report-period-relative".into(), relatives(locale), move || spec.with(|s| s.period.as_ref().and_then(|p| p.relative).map(|r| r.as_str().to_owned()).unwrap_or_default()),
                    move |v| spec.update(|s| if let Some(p) = s.period.as_mut() {
                        p.relative = RelativePeriod::parse(&v).ok();
                        if p.relative.is_some() { p.from = None; p.to = None; }
                    }))}
            </label>
        })}
        {s.period.as_ref().is_some_and(|p| p.relative.is_none()).then(|| view! {
            <div class="row">
                <label>{t("rp-from")}<input type="date" id="report-from"
                    prop:value=move || spec.with(|s| s.period.as_ref().and_then(|p| p.from).map(|d| d.to_string()).unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev).parse().ok(); spec.update(|s| if let Some(p) = s.period.as_mut() { p.from = v }) }/></label>
                <label>{t("rp-to")}<input type="date" id="report-to"
                    prop:value=move || spec.with(|s| s.period.as_ref().and_then(|p| p.to).map(|d| d.to_string()).unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev).parse().ok(); spec.update(|s| if let Some(p) = s.period.as_mut() { p.to = v }) }/></label>
            </div>
        })}
        <label>{t("rp-chart")}
            {select("report-chart-kind".into(), chart_kinds, move || spec.with(|s| s.chart.as_str().to_owned()),
                move |v| spec.update(|s| if let Ok(c) = ChartKind::parse(&v) { s.chart = c }))}
        </label>
    }
}

/// One condition's field, comparison and value, and its remove button.
fn condition(
    spec: RwSignal<ReportSpec>,
    locale: Locale,
    object: ReportObject,
    i: usize,
    c: ReportCondition,
    every: Vec<(String, String)>,
) -> impl IntoView {
    let t = move |k: &str| message(locale, k, None);
    let kind = field(object, &c.field).map_or(ReportFieldKind::Text, |f| f.kind);
    let ops: Vec<(String, String)> = operators(kind)
        .iter()
        .map(|o| (o.as_str().to_owned(), t(&key("op", o.as_str()))))
        .collect();
    let needs_value = !matches!(c.op, ReportOperator::IsEmpty | ReportOperator::NotEmpty);
    let input_type = match kind {
        ReportFieldKind::Date => "date",
        ReportFieldKind::Number | ReportFieldKind::Money => "number",
        _ => "text",
    };
    view! {
        <div class="row report-filter" data-index=i>
            {select(format!("report-filter-field-{i}"), every, move || spec.with(|s| s.filters.get(i).map(|c| c.field.clone()).unwrap_or_default()),
                move |v| spec.update(|s| if let Some(c) = s.filters.get_mut(i) { c.field = v; c.op = ReportOperator::NotEmpty; c.value = None }))}
            {select(format!("report-filter-op-{i}"), ops, move || spec.with(|s| s.filters.get(i).map(|c| c.op.as_str().to_owned()).unwrap_or_default()),
                move |v| spec.update(|s| if let (Some(c), Ok(op)) = (s.filters.get_mut(i), ReportOperator::parse(&v)) {
                    c.op = op;
                    if matches!(op, ReportOperator::IsEmpty | ReportOperator::NotEmpty) { c.value = None }
                }))}
            {needs_value.then(|| value_input(spec, locale, object, i, kind, &c.field, input_type))}
            <button type="button" class="link" aria-label="remove" on:click=move |_| spec.update(|s| { if i < s.filters.len() { s.filters.remove(i); } })>"×"</button>
        </div>
    }
}

/// A condition's value: a picker for yes/no, people and closed
/// vocabularies, a date, number or text box otherwise.
fn value_input(
    spec: RwSignal<ReportSpec>,
    locale: Locale,
    object: ReportObject,
    i: usize,
    kind: ReportFieldKind,
    field_key: &str,
    input_type: &'static str,
) -> AnyView {
    let id = format!("report-filter-value-{i}");
    let current = move || {
        spec.with(|s| {
            s.filters
                .get(i)
                .and_then(|c| c.value.clone())
                .unwrap_or_default()
        })
    };
    let set = move |v: String| {
        spec.update(|s| {
            if let Some(c) = s.filters.get_mut(i) {
                c.value = (!v.is_empty()).then_some(v)
            }
        })
    };
    let pick = |values: Vec<(String, String)>| {
        let options = std::iter::once((String::new(), message(locale, "rp-pick", None)))
            .chain(values)
            .collect();
        select(id.clone(), options, current, set).into_any()
    };
    if kind == ReportFieldKind::Bool {
        return pick(vec![
            ("true".into(), message(locale, "rp-yes", None)),
            ("false".into(), message(locale, "rp-no", None)),
        ]);
    }
    if kind == ReportFieldKind::User {
        let users = use_lookups().users.get_untracked();
        return pick(
            users
                .into_iter()
                .map(|u| (u.id.to_string(), u.display_name))
                .collect(),
        );
    }
    if let Some((group, values)) = chart::vocabulary(object, field_key) {
        return pick(
            values
                .into_iter()
                .map(|v| {
                    (
                        v.to_owned(),
                        crate::i18n::message_or(locale, &key(group, v), v),
                    )
                })
                .collect(),
        );
    }
    view! {
        <input id=id type=input_type prop:value=current on:change=move |ev| set(event_target_value(&ev))/>
    }
    .into_any()
}
