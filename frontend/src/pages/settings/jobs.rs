//! Settings › 后台任务 Jobs: the workspace's background jobs (imports,
//! backups, RFM refreshes, CLV fits), newest first, filtered by status and
//! kind, with attempts and the last error; retry a dead job, cancel a
//! queued one.

use crm_api_types::jobs::{Job, JobStatus};
use leptos::prelude::*;
use serde_json::json;

use crate::components::{Empty, ErrorView, Skeleton, When, use_toasts};
use crate::i18n::{self, Locale, message_or, tr, use_locale};
use crate::load::Paged;

/// The kinds this server runs, for the filter.
const KINDS: [&str; 4] = ["import", "backup", "rfm_refresh", "clv_fit"];

fn kind_label(locale: Locale, kind: &str) -> String {
    message_or(
        locale,
        &format!("job-kind-{}", kind.replace('_', "-")),
        kind,
    )
}

#[component]
pub fn Jobs() -> impl IntoView {
    let locale = use_locale();
    let toasts = use_toasts();
    let status = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let list = Paged::<Job>::new(move || {
        let mut path = "/api/v1/admin/jobs?limit=25".to_owned();
        for (name, value) in [("status", status.get()), ("kind", kind.get())] {
            if !value.is_empty() {
                path.push_str(&format!("&{name}={}", crate::api::encode(&value)));
            }
        }
        path
    });
    let act = move |job: Job, action: &'static str| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/admin/jobs/{}/{action}", job.id);
            match crate::api::post::<Job, _>(&path, &json!({})).await {
                Ok(_) => list.reload(),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let row = move |job: Job| {
        let locale = locale.get();
        let status = job.status.as_str();
        let when = |rfc3339: String| i18n::datetime(locale, &rfc3339);
        let finished = job
            .finished_at
            .map(|at| when(at.to_rfc3339()))
            .unwrap_or_else(|| "—".to_owned());
        let error = job.last_error.clone().unwrap_or_default();
        let (retry, cancel) = (job.clone(), job.clone());
        view! {
            <tr class="job" data-status=status data-kind=job.kind.clone()>
                <td>{kind_label(locale, &job.kind)}</td>
                <td><span class=format!("badge job-status-{status}")>{i18n::vocab(locale, "job-status", status)}</span></td>
                <td class="num">{format!("{}/{}", job.attempts, job.max_attempts)}</td>
                <td>{when(job.created_at.to_rfc3339())}</td>
                <td>{when(job.run_at.to_rfc3339())}</td>
                <td>{finished}</td>
                <td class="job-error" title=error.clone()>{error.chars().take(80).collect::<String>()}</td>
                <td class="actions">
                    <When when=move || status == "dead">
                        <button class="link job-retry" on:click={
                            let job = retry.clone();
                            move |_| act(job.clone(), "retry")
                        }>{tr("job-retry")}</button>
                    </When>
                    <When when=move || status == "queued">
                        <button class="link job-cancel" on:click={
                            let job = cancel.clone();
                            move |_| act(job.clone(), "cancel")
                        }>{tr("job-cancel")}</button>
                    </When>
                </td>
            </tr>
        }
    };
    view! {
        <form class="card form inline-form" id="job-filters" on:submit=|ev| ev.prevent_default()>
            <label>{tr("field-status")}
                <select id="job-status" on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">{tr("job-all")}</option>
                    {JobStatus::ALL.iter().map(|s| view! {
                        <option value=s.as_str()>{move || i18n::vocab(locale.get(), "job-status", s.as_str())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>{tr("job-kind")}
                <select id="job-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">{tr("job-all")}</option>
                    {KINDS.iter().map(|k| view! {
                        <option value=*k>{move || kind_label(locale.get(), k)}</option>
                    }).collect_view()}
                </select>
            </label>
            <div class="actions"><button type="button" id="job-refresh" on:click=move |_| list.reload()>{tr("job-refresh")}</button></div>
        </form>
        <section class="card">
            {move || list.error.get().map(|e| view! { <ErrorView error=e/> })}
            {move || {
                if list.loading.get() && list.items.with(Vec::is_empty) {
                    view! { <Skeleton rows=4/> }.into_any()
                } else if list.items.with(Vec::is_empty) {
                    view! { <Empty message=tr("job-none")/> }.into_any()
                } else {
                    view! {
                        <table class="list compact" id="job-list">
                            <thead><tr>
                                <th>{tr("job-kind")}</th><th>{tr("field-status")}</th><th>{tr("job-attempts")}</th>
                                <th>{tr("field-created-at")}</th><th>{tr("job-run-at")}</th><th>{tr("job-finished-at")}</th>
                                <th>{tr("job-last-error")}</th><th></th>
                            </tr></thead>
                            <tbody>{move || list.items.get().into_iter().map(row).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }
            }}
            <When when=move || list.cursor.get().is_some()>
                <button id="job-more" class="wide" disabled=move || list.loading.get() on:click=move |_| list.load_more()>{tr("load-more")}</button>
            </When>
        </section>
    }
}
