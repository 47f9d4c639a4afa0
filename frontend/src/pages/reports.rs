//! Reports (报表): the list of the user's own and shared reports and of the
//! standard reports (`/reports`), and the builder (`builder`) where a
//! report is made, previewed as a chart and a table, saved, shared, copied
//! and downloaded (`/reports/new`, `/reports/new?standard=…`,
//! `/reports/:id`). Every figure is computed by the server over the
//! records the user may read.

pub mod builder;
pub mod chart;
pub mod deliveries;
pub mod form;
pub mod share;

use crm_api_types::Page;
use crm_api_types::reports::{Report, StandardReport};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::{Empty, ErrorView, Skeleton};
use crate::i18n::{Locale, tr, use_locale};
use crate::load::Load;

fn object_name(locale: Locale, object: crm_api_types::reports::ReportObject) -> String {
    crate::i18n::message(
        locale,
        &format!("ro-{}", object.as_str().replace('_', "-")),
        None,
    )
}

/// The reports by folder, in the server's order (filed by folder name,
/// unfiled last).
fn folders(reports: Vec<Report>) -> Vec<(Option<String>, Vec<Report>)> {
    let mut out: Vec<(Option<String>, Vec<Report>)> = Vec::new();
    for r in reports {
        match out.last_mut() {
            Some((folder, list)) if *folder == r.folder => list.push(r),
            _ => out.push((r.folder.clone(), vec![r])),
        }
    }
    out
}

#[component]
pub fn Reports() -> impl IntoView {
    let locale = use_locale();
    let saved = Load::<Page<Report>>::new(|| "/api/v1/reports".to_owned());
    let standard = Load::<Vec<StandardReport>>::new(|| "/api/v1/reports/standard".to_owned());
    view! {
        <section class="reports-page">
            <div class="toolbar">
                <h1 id="page-title">{tr("nav-reports")}</h1>
                <span class="spacer"></span>
                <A href="/reports/new" attr:class="button primary" attr:id="report-new">{tr("rp-new")}</A>
            </div>
            <div class="card">
                <h2>{tr("rp-mine")}</h2>
                {move || match saved.get() {
                    None => view! { <Skeleton rows=3/> }.into_any(),
                    Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                    Some(Ok(page)) if page.items.is_empty() => view! { <Empty message=tr("rp-empty")/> }.into_any(),
                    Some(Ok(page)) => {
                        let groups = folders(page.items);
                        let filed = groups.iter().any(|(f, _)| f.is_some());
                        view! {
                        <div id="saved-reports">
                            {groups.into_iter().map(|(folder, reports)| {
                                let data = folder.clone().unwrap_or_default();
                                let title = match folder { Some(f) => f.into_any(), None => tr("rp-unfiled").into_any() };
                                view! {
                                {filed.then(|| view! {
                                    <h3 class="report-folder" data-folder=data>{title}</h3>
                                })}
                                <ul class="report-list">
                                    {reports.into_iter().map(|r| {
                                        let some = !r.shared && (!r.share_roles.is_empty() || !r.share_teams.is_empty());
                                        view! {
                                            <li>
                                                <A href=format!("/reports/{}", r.id)>{r.name.clone()}</A>
                                                <small>" · "{object_name(locale.get(), r.spec.object)}</small>
                                                {r.shared.then(|| view! { <span class="badge">{tr("rp-shared-badge")}</span> })}
                                                {some.then(|| view! { <span class="badge">{tr("sh-badge")}</span> })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any()
                    }
                }}
            </div>
            <div class="card">
                <h2>{tr("rp-standard")}</h2>
                {move || match standard.get() {
                    None => view! { <Skeleton rows=3/> }.into_any(),
                    Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                    Some(Ok(list)) => view! {
                        <ul class="report-list" id="standard-reports">
                            {list.into_iter().map(|s| {
                                let name = if locale.get() == Locale::ZhCn { s.name_zh.clone() } else { s.name_en.clone() };
                                view! {
                                    <li>
                                        <A href=format!("/reports/new?standard={}", s.key) attr:data-key=s.key.clone()>{name}</A>
                                        <small>" · "{object_name(locale.get(), s.spec.object)}</small>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </div>
        </section>
    }
}
