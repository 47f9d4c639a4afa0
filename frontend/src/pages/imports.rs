//! The CSV import wizard (导入): upload a file (`upload`), map its columns
//! to fields and choose the mode (`mapping`), check it with a dry run, run
//! it and follow its progress (`report`), and the recent imports under the
//! wizard (`recent`). The import being worked on is in the URL
//! (`/imports?id=…`), so a reload or a link from the recent list resumes it.
//! From `/api/v1/imports`; a pass in progress is polled every 500 ms.

mod mapping;
mod recent;
mod report;
mod upload;

use std::collections::BTreeMap;
use std::time::Duration;

use crm_api_types::batch::BatchMode;
use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::imports::{Import, ImportEntity, ImportStatus};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::Serialize;
use uuid::Uuid;

use crate::api::ApiError;
use crate::components::{ErrorView, When};
use crate::i18n::{Locale, message, tr};
use crate::session::{Session, use_session};

/// The fields the catalogs name (`imp-f-<name>`); others (custom fields)
/// show their own name.
const KNOWN_FIELDS: [&str; 37] = [
    "name",
    "external_id",
    "kind",
    "industry",
    "size_band",
    "employee_count",
    "annual_revenue",
    "email",
    "phone",
    "website",
    "country",
    "province",
    "city",
    "district",
    "address",
    "gender",
    "birth_date",
    "source",
    "lifecycle_stage",
    "owner_email",
    "tags",
    "sku",
    "category",
    "unit",
    "price",
    "active",
    "description",
    "customer_external_id",
    "order_date",
    "status",
    "currency",
    "note",
    "line.sku",
    "line.product_external_id",
    "line.quantity",
    "line.unit_price",
    "line.discount",
];

fn field_label(locale: Locale, name: &str) -> String {
    if KNOWN_FIELDS.contains(&name) {
        message(
            locale,
            &format!("imp-f-{}", name.replace(['_', '.'], "-")),
            None,
        )
    } else {
        name.to_owned()
    }
}

/// `imp-status-…`, `imp-entity-…`.
fn label(locale: Locale, group: &str, value: &str) -> String {
    message(locale, &format!("imp-{group}-{value}"), None)
}

/// Whether the role may import into `entity` (create or update some of its
/// records), as the server checks.
fn may_import(session: Session, entity: ImportEntity) -> bool {
    // Each entity is named like the object its records are.
    let Ok(object) = ObjectType::parse(entity.as_str()) else {
        return false;
    };
    session.can(object, Action::Create) || session.can(object, Action::Update)
}

pub fn may_import_any(session: Session) -> bool {
    ImportEntity::ALL.iter().any(|e| may_import(session, *e))
}

/// The wizard's state, shared by its parts.
#[derive(Clone, Copy)]
struct Wizard {
    /// The import being worked on, as the server last described it.
    job: RwSignal<Option<Import>>,
    /// Column → field, as the user has it.
    mapping: RwSignal<BTreeMap<String, String>>,
    mode: RwSignal<BatchMode>,
    /// The last refused start or cancel, or a failed poll.
    failure: RwSignal<Option<ApiError>>,
    busy: RwSignal<bool>,
    /// Bumped to stop the polling under way (a newer one starts).
    polling: StoredValue<u32>,
    /// Bumped when an import is uploaded or finishes: the recent list reloads.
    changed: RwSignal<u32>,
}

/// The body of `POST /imports/{id}/start`, borrowing the mapping.
#[derive(Serialize)]
struct Start<'a> {
    mapping: &'a BTreeMap<String, String>,
    mode: BatchMode,
    dry_run: bool,
}

impl Wizard {
    fn new() -> Self {
        Self {
            job: RwSignal::new(None),
            mapping: RwSignal::new(BTreeMap::new()),
            mode: RwSignal::new(BatchMode::Upsert),
            failure: RwSignal::new(None),
            busy: RwSignal::new(false),
            polling: StoredValue::new(0),
            changed: RwSignal::new(0),
        }
    }

    /// Works on `import`: its mapping and mode, followed while a pass runs.
    fn open(self, import: Import) {
        self.mapping.set(import.mapping.clone());
        self.mode.set(import.mode);
        self.failure.set(None);
        let (id, active) = (import.id, import.status.is_active());
        self.job.set(Some(import));
        self.stop();
        if active {
            self.follow(id);
        }
    }

    fn reset(self) {
        self.stop();
        self.job.set(None);
        self.mapping.set(BTreeMap::new());
        self.mode.set(BatchMode::Upsert);
        self.failure.set(None);
    }

    fn stop(self) {
        self.polling.update_value(|g| *g += 1);
    }

    fn follow(self, id: Uuid) {
        self.stop();
        let mine = self.polling.get_value();
        self.tick(id, mine);
    }

    /// One poll after 500 ms, and another while the pass runs. Stops when a
    /// newer poll started or the page is gone.
    fn tick(self, id: Uuid, mine: u32) {
        set_timeout(
            move || {
                leptos::task::spawn_local(async move {
                    if self.polling.try_get_value() != Some(mine) {
                        return;
                    }
                    let answer = crate::api::get::<Import>(&format!("/api/v1/imports/{id}")).await;
                    if self.polling.try_get_value() != Some(mine) {
                        return;
                    }
                    match answer {
                        Ok(import) => {
                            let active = import.status.is_active();
                            self.job.set(Some(import));
                            if active {
                                self.tick(id, mine);
                            } else {
                                self.changed.update(|n| *n += 1);
                            }
                        }
                        Err(err) => self.failure.set(Some(err)),
                    }
                });
            },
            Duration::from_millis(500),
        );
    }

    /// Starts a dry run or the run with the mapping as the user has it.
    fn start(self, dry_run: bool) {
        let Some(id) = self.job.with_untracked(|j| j.as_ref().map(|j| j.id)) else {
            return;
        };
        self.busy.set(true);
        self.failure.set(None);
        let mapping = self.mapping.get_untracked();
        let body = Start {
            mapping: &mapping,
            mode: self.mode.get_untracked(),
            dry_run,
        };
        let body = serde_json::to_value(&body).unwrap_or_default();
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/imports/{id}/start");
            let answer = crate::api::post::<Import, _>(&path, &body).await;
            if self.busy.try_set(false).is_some() {
                return;
            }
            match answer {
                Ok(import) => {
                    self.job.set(Some(import));
                    self.follow(id);
                }
                Err(err) => self.failure.set(Some(err)),
            }
        });
    }

    fn cancel(self) {
        let Some(id) = self.job.with_untracked(|j| j.as_ref().map(|j| j.id)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/imports/{id}/cancel");
            match crate::api::post::<Import, _>(&path, &()).await {
                Ok(import) => {
                    self.stop();
                    self.job.try_set(Some(import));
                    self.changed.try_update(|n| *n += 1);
                }
                Err(err) => {
                    self.failure.try_set(Some(err));
                }
            }
        });
    }
}

/// The wizard's steps: 1 upload, 2 map, 3 dry run, 4 run.
fn step_of(job: Option<&Import>) -> u8 {
    match job {
        None => 1,
        Some(j) if j.status == ImportStatus::Uploaded => 2,
        Some(j) if j.dry_run => 3,
        Some(_) => 4,
    }
}

fn steps(current: u8) -> impl IntoView {
    let names = [
        "imp-step-upload",
        "imp-step-map",
        "imp-step-check",
        "imp-step-run",
    ];
    view! {
        <ol class="imp-steps" id="imp-steps">
            {names.into_iter().zip(1u8..).map(|(key, n)| view! {
                <li class:active={n == current} class:done={n < current}>
                    <span class="imp-step-n">{n}</span>{tr(key)}
                </li>
            }).collect_view()}
        </ol>
    }
}

/// A refusal that the mapping table does not show beside a column.
fn general_failure(failure: Option<ApiError>) -> Option<ApiError> {
    failure.filter(|e| e.status != 422)
}

#[component]
pub fn Imports() -> impl IntoView {
    let session = use_session();
    let wizard = Wizard::new();
    let query = use_query_map();
    let wanted =
        Memo::new(move |_| query.with(|q| q.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    Effect::new(move |_| {
        let wanted = wanted.get();
        let current = wizard.job.with_untracked(|j| j.as_ref().map(|j| j.id));
        if wanted == current {
            return;
        }
        match wanted {
            None => wizard.reset(),
            Some(id) => leptos::task::spawn_local(async move {
                match crate::api::get::<Import>(&format!("/api/v1/imports/{id}")).await {
                    Ok(import) => {
                        if wizard.job.try_get_untracked().is_some() {
                            wizard.open(import);
                        }
                    }
                    Err(err) => {
                        wizard.failure.try_set(Some(err));
                    }
                }
            }),
        }
    });
    let step = Memo::new(move |_| wizard.job.with(|j| step_of(j.as_ref())));
    let body = move || match step.get() {
        1 => view! { <upload::Upload wizard=wizard/> }.into_any(),
        4 => view! { <report::RunPanel wizard=wizard/> }.into_any(),
        _ => view! {
            <mapping::Mapping wizard=wizard/>
            <report::CheckPanel wizard=wizard/>
        }
        .into_any(),
    };

    view! {
        <section class="imports-page">
            <div class="toolbar">
                <h1 id="page-title">{tr("imp-title")}</h1>
                <When when=move || step.get() != 1>
                    <a class="button" id="imp-new" href="/imports">{tr("imp-new")}</a>
                </When>
            </div>
            <When
                when=move || may_import_any(session)
                fallback=|| view! { <div class="card muted" id="imp-not-allowed">{tr("imp-not-allowed")}</div> }
            >
                {move || steps(step.get())}
                {move || general_failure(wizard.failure.get()).map(|e| view! { <ErrorView error=e/> })}
                {body}
                <recent::Recent changed=wizard.changed/>
            </When>
        </section>
    }
}
