//! Steps 3 and 4: the dry run (试运行) and the run (开始导入). While a pass
//! reads the file, a progress bar with the counts so far (and, for the run,
//! a cancel button); after it, the report: rows read, created (would be
//! created), updated, unchanged, failed, the refused rows as a CSV to fix
//! and upload again, and for the run a link to the records.

use crm_api_types::imports::{Import, ImportEntity, ImportStatus};
use leptos::prelude::*;

use super::{Wizard, label};
use crate::components::{Toasts, When, use_toasts};
use crate::i18n::{self, Locale, message, tr, use_locale};

/// Downloads the refused rows of `job` with the bearer token.
pub fn download_errors(toasts: Toasts, id: uuid::Uuid, file_name: &str) {
    let stem = file_name.trim_end_matches(".csv").trim_end_matches(".txt");
    let name = format!("{stem}-errors.csv");
    leptos::task::spawn_local(async move {
        let path = format!("/api/v1/imports/{id}/errors");
        if let Err(err) = crate::api::download(&path, &name).await {
            toasts.error(err.to_string());
        }
    });
}

/// The counts of a pass; a dry run's say what would happen.
fn figures(locale: Locale, job: &Import) -> impl IntoView + use<> {
    let t = |key| message(locale, key, None);
    let n = |v: i64| i18n::number(locale, v as f64);
    let dry = job.dry_run;
    let items = [
        ("rows", "imp-n-rows", job.rows_read),
        (
            "created",
            if dry {
                "imp-n-would-create"
            } else {
                "imp-n-created"
            },
            job.created,
        ),
        (
            "updated",
            if dry {
                "imp-n-would-update"
            } else {
                "imp-n-updated"
            },
            job.updated,
        ),
        ("unchanged", "imp-n-unchanged", job.unchanged),
        (
            "failed",
            if dry {
                "imp-n-would-fail"
            } else {
                "imp-n-failed"
            },
            job.failed,
        ),
    ];
    view! {
        <dl class="figures imp-figures" id="imp-figures">
            {items.into_iter().map(|(id, key, value)| view! {
                <div class=format!("imp-figure imp-{id}") class:bad={id == "failed" && value > 0}>
                    <dt>{t(key)}</dt>
                    <dd id=format!("imp-n-{id}")>{n(value)}</dd>
                </div>
            }).collect_view()}
        </dl>
    }
}

fn progress(locale: Locale, job: &Import) -> impl IntoView + use<> {
    view! {
        <div class="imp-progress" id="imp-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=job.percent.to_string()>
            <div class="imp-bar"><div style=format!("width:{:.1}%", job.percent)></div></div>
            <small id="imp-percent">{format!("{}%", i18n::decimal(locale, job.percent, 1))}</small>
        </div>
    }
}

/// The status line: what the pass did or does.
fn status_line(locale: Locale, job: &Import) -> impl IntoView + use<> {
    let key = match (job.dry_run, job.status) {
        (true, ImportStatus::Checking) => "imp-checking",
        (true, ImportStatus::Checked) => "imp-checked",
        (false, ImportStatus::Running) => "imp-running",
        (false, ImportStatus::Completed) => "imp-completed",
        (_, ImportStatus::Cancelled) => "imp-cancelled",
        (_, ImportStatus::Failed) => "imp-failed",
        _ => "imp-status-uploaded",
    };
    view! {
        <p class="imp-status" id="imp-status" data-status=job.status.as_str()>
            <strong>{message(locale, key, None)}</strong>
            {job.failure.clone().map(|f| view! { <span class="error">" "{f}</span> })}
        </p>
    }
}

fn errors_button(toasts: Toasts, job: &Import) -> impl IntoView + use<> {
    let (id, name) = (job.id, job.file_name.clone());
    (job.failed > 0 && !job.status.is_active()).then(|| {
        view! {
            <button id="imp-errors" on:click=move |_| download_errors(toasts, id, &name)>{tr("imp-errors")}</button>
        }
    })
}

/// Step 2 and 3: the dry-run button, its progress and its report, and the
/// button that starts the run after it.
#[component]
pub fn CheckPanel(wizard: Wizard) -> impl IntoView {
    let locale = use_locale();
    let toasts = use_toasts();
    let status = Memo::new(move |_| {
        wizard
            .job
            .with(|j| j.as_ref().map(|j| (j.status, j.dry_run)))
    });
    let active = move || status.get().is_some_and(|(s, _)| s.is_active());
    let checked = move || status.get() == Some((ImportStatus::Checked, true));
    let report = move || {
        wizard.job.with(|j| {
            j.as_ref().filter(|j| j.dry_run).map(|j| {
                let locale = locale.get();
                view! {
                    <div class="imp-report" id="imp-check-report">
                        {status_line(locale, j)}
                        {j.status.is_active().then(|| progress(locale, j))}
                        {figures(locale, j)}
                        {errors_button(toasts, j)}
                    </div>
                }
            })
        })
    };
    view! {
        <div class="card imp-check" id="imp-check-step">
            {report}
            <div class="actions">
                <button
                    id="imp-dry-run"
                    class:primary=move || !checked()
                    prop:disabled=move || wizard.busy.get() || active()
                    on:click=move |_| wizard.start(true)
                >
                    {tr("imp-dry-run")}
                </button>
                <When when=checked>
                    <button
                        id="imp-run"
                        class="primary"
                        prop:disabled=move || wizard.busy.get()
                        on:click=move |_| wizard.start(false)
                    >
                        {tr("imp-run")}
                    </button>
                </When>
            </div>
        </div>
    }
}

/// Step 4: the run's progress with a cancel button, then its report.
#[component]
pub fn RunPanel(wizard: Wizard) -> impl IntoView {
    let locale = use_locale();
    let toasts = use_toasts();
    let body = move || {
        wizard.job.with(|j| {
            j.as_ref().map(|j| {
                let locale = locale.get();
                let (list, list_key) = match j.entity {
                    ImportEntity::Products => ("/products", "imp-to-products"),
                    _ => ("/customers", "imp-to-customers"),
                };
                let running = j.status.is_active();
                view! {
                    <div class="imp-report" id="imp-run-report">
                        <p class="muted">{j.file_name.clone()}" · "{label(locale, "entity", j.entity.as_str())}</p>
                        {status_line(locale, j)}
                        {running.then(|| progress(locale, j))}
                        {figures(locale, j)}
                        <div class="actions">
                            {running.then(|| view! {
                                <button id="imp-cancel" class="danger" on:click=move |_| wizard.cancel()>{tr("imp-cancel")}</button>
                            })}
                            {errors_button(toasts, j)}
                            {(!running).then(|| view! {
                                <a class="button primary" id="imp-to-list" href=list>{tr(list_key)}</a>
                            })}
                        </div>
                    </div>
                }
            })
        })
    };
    view! { <div class="card imp-run" id="imp-run-step">{body}</div> }
}
