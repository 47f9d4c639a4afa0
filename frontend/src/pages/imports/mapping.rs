//! Step 2: the file as read (name, size, encoding, separator), each column
//! with its first sample values and the field it fills (preselected from
//! the server's suggestion; "don't import" leaves it out), the required
//! fields, and the mode with what it does. The server's 422 shows beside the
//! column it names (`mapping.<column>`) or above the table (`mapping`).

use crm_api_types::batch::BatchMode;
use crm_api_types::imports::Import;
use leptos::prelude::*;

use super::{Wizard, field_label, label};
use crate::components::FieldError;
use crate::i18n::{self, Locale, message, tr, use_locale};

fn separator(locale: Locale, delimiter: &str) -> String {
    let key = match delimiter {
        "," => "imp-sep-comma",
        ";" => "imp-sep-semicolon",
        "\t" => "imp-sep-tab",
        "|" => "imp-sep-pipe",
        other => return other.to_owned(),
    };
    message(locale, key, None)
}

/// "customers.csv · 1.2 KB · UTF-8 · 逗号".
fn file_info(locale: Locale, job: &Import) -> impl IntoView + use<> {
    let t = |key| message(locale, key, None);
    view! {
        <dl class="imp-file" id="imp-file-info">
            <div><dt>{t("imp-file")}</dt><dd id="imp-file-name">{job.file_name.clone()}</dd></div>
            <div><dt>{t("imp-entity")}</dt><dd>{label(locale, "entity", job.entity.as_str())}</dd></div>
            <div><dt>{t("imp-encoding")}</dt><dd id="imp-encoding">{job.encoding.to_uppercase()}</dd></div>
            <div><dt>{t("imp-separator")}</dt><dd id="imp-separator">{separator(locale, &job.delimiter)}</dd></div>
            <div><dt>{t("imp-size")}</dt><dd>{format!("{} KB", i18n::decimal(locale, job.file_size as f64 / 1024.0, 1))}</dd></div>
        </dl>
    }
}

/// The first three values of column `index` in the sample.
fn samples(job: &Import, index: usize) -> Vec<String> {
    job.sample
        .iter()
        .filter_map(|row| row.get(index))
        .filter(|v| !v.trim().is_empty())
        .take(3)
        .cloned()
        .collect()
}

fn mode_help(mode: BatchMode) -> &'static str {
    match mode {
        BatchMode::Upsert => "imp-mode-upsert-help",
        BatchMode::Create => "imp-mode-create-help",
        BatchMode::Update => "imp-mode-update-help",
    }
}

#[component]
pub fn Mapping(wizard: Wizard) -> impl IntoView {
    let locale = use_locale();
    // The table is drawn for the import's file; progress updates keep it.
    let file = Memo::new(move |_| {
        wizard
            .job
            .with(|j| j.as_ref().map(|j| (j.id, j.columns.clone())))
    });
    let locked = move || {
        wizard.busy.get()
            || wizard
                .job
                .with(|j| j.as_ref().is_some_and(|j| j.status.is_active()))
    };
    let error = move |key: String| {
        Signal::derive(move || {
            wizard
                .failure
                .with(|f| f.as_ref().and_then(|e| e.field(&key)))
        })
    };
    let missing = move || {
        let used = wizard.mapping.get();
        let mode = wizard.mode.get();
        wizard.job.with(|j| {
            j.as_ref()
                .map(|j| {
                    j.fields
                        .iter()
                        .filter(|f| {
                            (f.required && mode != BatchMode::Update
                                || f.name == "external_id" && mode != BatchMode::Create)
                                && !used.values().any(|v| v == &f.name)
                        })
                        .map(|f| field_label(locale.get(), &f.name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let rows = move || {
        let Some((_, columns)) = file.get() else {
            return ().into_any();
        };
        let fields = wizard
            .job
            .with_untracked(|j| j.as_ref().map(|j| j.fields.clone()).unwrap_or_default());
        let locale = locale.get();
        columns
            .into_iter()
            .enumerate()
            .map(|(i, column)| {
                let examples = wizard
                    .job
                    .with_untracked(|j| j.as_ref().map(|j| samples(j, i)).unwrap_or_default());
                let key = column.clone();
                let current = move || {
                    wizard
                        .mapping
                        .with(|m| m.get(&key).cloned().unwrap_or_default())
                };
                let target = column.clone();
                let on_change = move |ev: leptos::ev::Event| {
                    let value = event_target_value(&ev);
                    wizard.mapping.update(|m| {
                        if value.is_empty() {
                            m.remove(&target);
                        } else {
                            m.insert(target.clone(), value);
                        }
                    });
                };
                let options = fields
                    .iter()
                    .map(|f| {
                        let mut text = field_label(locale, &f.name);
                        if f.required {
                            text.push_str(" *");
                        }
                        let value = f.name.clone();
                        let selected = {
                            let current = current.clone();
                            move || current() == value
                        };
                        view! { <option value=f.name.clone() title=f.format.clone() prop:selected=selected>{text}</option> }
                    })
                    .collect_view();
                let none_selected = {
                    let current = current.clone();
                    move || current().is_empty()
                };
                let problem = error(format!("mapping.{column}"));
                view! {
                    <tr class="imp-column" data-column=column.clone() class:invalid=move || problem.get().is_some()>
                        <th scope="row">{column.clone()}</th>
                        <td class="imp-samples">{examples.into_iter().map(|v| view! { <span class="imp-sample">{v}</span> }).collect_view()}</td>
                        <td>
                            <select
                                id=format!("imp-map-{i}")
                                class="imp-map"
                                aria-label=column.clone()
                                prop:disabled=locked
                                on:change=on_change
                            >
                                <option value="" prop:selected=none_selected>{message(locale, "imp-skip", None)}</option>
                                {options}
                            </select>
                            <FieldError id=format!("imp-map-{i}-error") message=problem/>
                        </td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    let modes = [BatchMode::Upsert, BatchMode::Create, BatchMode::Update];

    view! {
        <div class="card imp-mapping" id="imp-mapping-step">
            {move || wizard.job.with(|j| j.as_ref().map(|j| file_info(locale.get(), j)))}
            <h2>{tr("imp-map-title")}</h2>
            <p class="muted">{tr("imp-map-hint")}</p>
            <FieldError id="imp-mapping-error" message=error("mapping".to_owned())/>
            {move || {
                let missing = missing();
                (!missing.is_empty()).then(|| view! {
                    <p class="imp-missing" id="imp-missing">{tr("imp-missing")}" "{missing.join("、")}</p>
                })
            }}
            <div class="scroll-x">
                <table class="rank imp-map-table" id="imp-map-table">
                    <thead><tr>
                        <th>{tr("imp-col-column")}</th>
                        <th>{tr("imp-col-samples")}</th>
                        <th>{tr("imp-col-field")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <div class="imp-mode">
                <label>
                    {tr("imp-mode")}
                    <select
                        id="imp-mode"
                        prop:disabled=locked
                        on:change=move |ev| {
                            if let Ok(mode) = BatchMode::parse(&event_target_value(&ev)) {
                                wizard.mode.set(mode);
                            }
                        }
                    >
                        {modes.into_iter().map(|m| view! {
                            <option value=m.as_str() prop:selected=move || wizard.mode.get() == m>{tr(match m {
                                BatchMode::Upsert => "imp-mode-upsert",
                                BatchMode::Create => "imp-mode-create",
                                BatchMode::Update => "imp-mode-update",
                            })}</option>
                        }).collect_view()}
                    </select>
                </label>
                <p class="muted" id="imp-mode-help">{move || message(locale.get(), mode_help(wizard.mode.get()), None)}</p>
            </div>
        </div>
    }
}
