//! The report builder: choose the object, up to two groupings (dates by a
//! grain), the measure, conditions, a period and the chart; every change
//! runs the definition on the server (`POST /reports/run`) and redraws the
//! preview. Saves as a new report, saves changes (with the version read),
//! saves a copy of someone else's shared report, downloads the CSV and
//! deletes. Which choices a field offers follows its kind, from the same
//! catalogue the server checks with (`crm_domain::reports`).

use crm_api_types::Page;
use crm_api_types::reports::{
    Audience, ChartKind, NewReport, Report, ReportData, ReportObject, ReportPatch, StandardReport,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use uuid::Uuid;

use super::chart::{self, field_name};
use super::deliveries::Deliveries;
use super::form::{form, spec_for};
use super::share::SharePicker;
use crate::api::{self, ApiError};
use crate::components::{Confirm, ErrorView, When, use_toasts};
use crate::echarts::Chart;
use crate::i18n::{Locale, message, tr, use_locale};
use crate::session::use_lookups;

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
    let folder = RwSignal::new(String::new());
    let share_roles = RwSignal::new(Vec::<Uuid>::new());
    let share_teams = RwSignal::new(Vec::<Uuid>::new());
    let saved = RwSignal::new(None::<Report>);
    let folders = crate::load::Load::<Page<Report>>::new(|| "/api/v1/reports".to_owned());
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
                        folder.set(r.folder.clone().unwrap_or_default());
                        share_roles.set(r.share_roles.clone());
                        share_teams.set(r.share_teams.clone());
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
            Some(Ok(d)) => chart::option(locale, &lookups, d).map(|o| (chart::map_of(d), o)),
            _ => None,
        });
        if let Some((map, option)) = option {
            spawn_local(async move {
                if let Err(e) = drawn.show(el, map, option.to_string()).await {
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
        let in_folder = Some(folder.get_untracked().trim().to_owned()).filter(|f| !f.is_empty());
        let (roles, teams) = if copy {
            (Vec::new(), Vec::new())
        } else {
            (share_roles.get_untracked(), share_teams.get_untracked())
        };
        spawn_local(async move {
            let answer = match current {
                Some(r) => {
                    let patch = ReportPatch {
                        name: Some(title),
                        description: None,
                        spec: Some(body_spec),
                        folder: Some(in_folder),
                        shared: Some(is_shared),
                        share_roles: Some(roles),
                        share_teams: Some(teams),
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
                        folder: in_folder,
                        shared: is_shared && !copy,
                        share_roles: roles,
                        share_teams: teams,
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
    let saved_id = Signal::derive(move || saved.with(|r| r.as_ref().map(|r| r.id)));
    let audience = Signal::derive(move || {
        saved.with(|r| {
            r.as_ref().map(|r| {
                (
                    r.owner_id,
                    Audience::new(r.shared, &r.share_roles, &r.share_teams),
                )
            })
        })
    });
    let folder_names = move || {
        let mut names: Vec<String> = folders
            .get()
            .and_then(|p| p.ok())
            .map(|p| p.items.into_iter().filter_map(|r| r.folder).collect())
            .unwrap_or_default();
        names.sort();
        names.dedup();
        names
    };
    let png = move |_| {
        let file = format!("{}.png", name.get_untracked().trim());
        if !crate::echarts::png(el, &file) {
            toasts.error(message(locale.get_untracked(), "rp-no-chart", None));
        }
    };

    view! {
        <section class="report-page" id="report-page">
            <div class="toolbar">
                <input id="report-name" class="title-input" placeholder=tr("rp-name") bind:value=name prop:disabled=move || !editable.get()/>
                <input id="report-folder" class="folder-input" list="report-folders" placeholder=tr("rp-folder") bind:value=folder prop:disabled=move || !editable.get()/>
                <datalist id="report-folders">{move || folder_names().into_iter().map(|f| view! { <option value=f/> }).collect_view()}</datalist>
                <label class="check"><input type="checkbox" id="report-shared" bind:checked=shared prop:disabled=move || !editable.get()/>{tr("rp-shared")}</label>
                <When when=move || !shared.get()>
                    <SharePicker id="report-share" roles=share_roles teams=share_teams enabled=editable/>
                </When>
                <span class="spacer"></span>
                <When when=editable>
                    <button class="primary" id="report-save" on:click=move |_| save(false)>{tr("rp-save")}</button>
                </When>
                <When when=is_saved>
                    <button id="report-save-copy" on:click=move |_| save(true)>{tr("rp-save-copy")}</button>
                    <button id="report-export" on:click=move |_| export("export", "report.csv")>{tr("rp-export")}</button>
                    <button id="report-export-xlsx" on:click=move |_| export("export.xlsx", "report.xlsx")>{tr("rp-export-xlsx")}</button>
                </When>
                <When when=has_chart>
                    <button id="report-export-png" on:click=png>{tr("rp-export-png")}</button>
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
            <Deliveries of=saved_id name=name audience=audience dashboard=false/>
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
