//! The report builder's controls: object, groupings with their grain,
//! measure, conditions (a picker in words for yes/no, people and closed
//! vocabularies), period (fixed days or relative) and chart, each kept to
//! what the chosen field's kind allows; and the small `<select>` helpers
//! the dashboards reuse.

use crm_api_types::domain::custom_field::FieldType;
use crm_api_types::domain::reports::catalog::reaches_customer;
use crm_api_types::domain::reports::{field, fields};
use crm_api_types::reports::{
    Aggregate, ChartKind, DateGrain, RelativePeriod, ReportCondition, ReportFieldKind,
    ReportGrouping, ReportMeasure, ReportObject, ReportOperator, ReportPeriod, ReportSpec,
};
use leptos::prelude::*;

use super::chart::{self, field_name};
use crate::i18n::{Locale, message};
use crate::session::use_lookups;

/// A new definition of `object`: grouped by its first non-date field, counted, as bars.
pub(super) fn spec_for(object: ReportObject) -> ReportSpec {
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

/// The charts a definition's groupings can draw (a map: by province alone).
pub(super) fn charts(spec: &ReportSpec) -> Vec<ChartKind> {
    let groupings = spec.group_by.len();
    ChartKind::ALL
        .iter()
        .copied()
        .filter(|c| match c {
            ChartKind::Map => groupings == 1 && spec.group_by[0].field == "province",
            ChartKind::StackedBar => groupings == 2,
            ChartKind::Pie | ChartKind::Funnel => groupings == 1,
            ChartKind::Number => groupings == 0,
            _ => true,
        })
        .collect()
}

/// Keeps the chart one the groupings can draw.
fn fit_chart(spec: &mut ReportSpec) {
    if !charts(spec).contains(&spec.chart) {
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

/// The definition's controls.
pub(super) fn form(spec: RwSignal<ReportSpec>, locale: Locale) -> impl IntoView {
    let t = move |k: &str| message(locale, k, None);
    let s = spec.get();
    let object = s.object;
    let all = fields(object);
    // The customer's custom fields (one value each: not multi-selects).
    let custom: Vec<(String, String)> = if reaches_customer(object) {
        use_lookups()
            .customer_fields
            .get()
            .into_iter()
            .filter(|d| d.field_type != FieldType::MultiSelect)
            .map(|d| (format!("custom.{}", d.key), d.label))
            .collect()
    } else {
        Vec::new()
    };
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
        .chain(custom.iter().cloned())
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
        .chain(custom)
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
    let chart_kinds: Vec<(String, String)> = charts(&s)
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
    let numbers_keys: Vec<String> = numbers.iter().map(|(k, _)| k.clone()).collect();
    let first_field = s
        .group_by
        .first()
        .map(|g| g.field.clone())
        .or_else(|| every.first().map(|(k, _)| k.clone()));
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
                    s.measure.field = match a {
                        Aggregate::Count => None,
                        // Distinct values of any field: keep one, else the first grouping's.
                        Aggregate::CountDistinct => s.measure.field.clone().or_else(|| first_field.clone()),
                        _ => s.measure.field.clone().filter(|f| numbers_keys.contains(f)).or_else(|| first_number.clone()),
                    };
                }))}
        </label>
        {s.measure.field.is_some().then(|| view! {
            <label>{t("rp-measure-field")}
                {select("report-measure-field".into(), if s.measure.aggregate == Aggregate::CountDistinct { every.clone() } else { numbers.clone() }, move || spec.with(|s| s.measure.field.clone().unwrap_or_default()),
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
    if kind == ReportFieldKind::Tag {
        let tags = use_lookups().tags.get_untracked();
        return pick(
            tags.into_iter()
                .map(|t| (t.id.to_string(), t.name))
                .collect(),
        );
    }
    if let Some(key) = field_key.strip_prefix("custom.") {
        let options: Vec<(String, String)> = use_lookups()
            .customer_fields
            .get_untracked()
            .into_iter()
            .find(|d| d.key == key)
            .map(|d| match d.field_type {
                FieldType::Boolean => vec![
                    ("true".into(), message(locale, "rp-yes", None)),
                    ("false".into(), message(locale, "rp-no", None)),
                ],
                _ => d.options.into_iter().map(|o| (o.clone(), o)).collect(),
            })
            .unwrap_or_default();
        if !options.is_empty() {
            return pick(options);
        }
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
