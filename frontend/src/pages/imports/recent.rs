//! The recent imports under the wizard (`GET /imports`, newest first): the
//! file (a link that opens it in the wizard), records, status, counts, when,
//! and its refused rows as a CSV.

use crm_api_types::imports::{Import, ImportList};
use leptos::prelude::*;

use super::label;
use super::report::download_errors;
use crate::components::{Empty, ErrorView, Skeleton, Toasts, use_toasts};
use crate::i18n::{self, Locale, message, tr, use_locale};
use crate::load::Load;

fn row(locale: Locale, toasts: Toasts, job: &Import) -> impl IntoView + use<> {
    let n = |v: i64| i18n::number(locale, v as f64);
    let (id, name) = (job.id, job.file_name.clone());
    let status = if job.dry_run && !job.status.is_active() {
        format!(
            "{} · {}",
            label(locale, "status", job.status.as_str()),
            message(locale, "imp-dry", None)
        )
    } else {
        label(locale, "status", job.status.as_str())
    };
    view! {
        <tr class="import-row" data-key=job.id.to_string() data-status=job.status.as_str()>
            <td><a href=format!("/imports?id={}", job.id)>{job.file_name.clone()}</a></td>
            <td>{label(locale, "entity", job.entity.as_str())}</td>
            <td class="imp-recent-status">{status}</td>
            <td class="num">{n(job.rows_read)}</td>
            <td class="num">{n(job.created)}</td>
            <td class="num">{n(job.updated)}</td>
            <td class="num">{n(job.unchanged)}</td>
            <td class="num">{n(job.failed)}</td>
            <td class="muted">{i18n::datetime(locale, &job.created_at.to_rfc3339())}</td>
            <td>
                {(job.failed > 0 && !job.status.is_active()).then(|| view! {
                    <button class="link imp-recent-errors" on:click=move |_| download_errors(toasts, id, &name)>{tr("imp-errors-short")}</button>
                })}
            </td>
        </tr>
    }
}

#[component]
pub fn Recent(changed: RwSignal<u32>) -> impl IntoView {
    let locale = use_locale();
    let toasts = use_toasts();
    let imports = Load::<ImportList>::new(move || {
        changed.track();
        "/api/v1/imports".to_owned()
    });
    let heads = [
        ("imp-col-file", ""),
        ("imp-entity", ""),
        ("imp-col-status", ""),
        ("imp-n-rows", "num"),
        ("imp-n-created", "num"),
        ("imp-n-updated", "num"),
        ("imp-n-unchanged", "num"),
        ("imp-n-failed", "num"),
        ("imp-col-time", ""),
        ("imp-col-errors", ""),
    ];
    let table = move || match imports.get() {
        None => view! { <Skeleton rows=3/> }.into_any(),
        Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
        Some(Ok(list)) if list.items.is_empty() => {
            view! { <Empty message=tr("imp-none")/> }.into_any()
        }
        Some(Ok(list)) => {
            let locale = locale.get();
            view! {
                <div class="scroll-x">
                    <table class="rank" id="imp-recent">
                        <thead><tr>{heads.into_iter().map(|(key, class)| view! { <th class=class>{tr(key)}</th> }).collect_view()}</tr></thead>
                        <tbody>{list.items.iter().map(|j| row(locale, toasts, j)).collect_view()}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <div class="card imp-recent-card">
            <h2>{tr("imp-recent")}</h2>
            {table}
        </div>
    }
}
