//! A record's change history (变更历史), the History tab of customer,
//! contact and deal pages: who changed which field from what to what, when
//! and through which channel, newest first with "load more", from
//! `/api/v1/audit`. Without the `audit` grant the fields show, not the values.

use crm_api_types::audit::{AuditChannel, AuditEntry};
use crm_api_types::changes::ChangeOp;
use leptos::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::i18n::{self, Locale, message, message_or, tr, use_locale};
use crate::load::Paged;

/// A stored value as a person reads it: money with its currency, lists
/// joined, nothing as a dash.
fn shown(locale: Locale, value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(s) if s.is_empty() => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => message(locale, "hist-yes", None),
        Value::Bool(false) => message(locale, "hist-no", None),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.is_empty() => "—".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|v| shown(locale, v))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(map) => match (map.get("amount_minor"), map.get("currency")) {
            (Some(Value::Number(amount)), Some(Value::String(currency))) => {
                i18n::money(locale, amount.as_i64().unwrap_or_default(), currency)
            }
            _ => Value::Object(map.clone()).to_string(),
        },
    }
}

fn field_label(locale: Locale, field: &str) -> String {
    message_or(locale, &format!("field-{}", field.replace('_', "-")), field)
}

fn channel_key(channel: AuditChannel) -> &'static str {
    match channel {
        AuditChannel::Web => "hist-via-web",
        AuditChannel::ApiKey => "hist-via-api-key",
        AuditChannel::Import => "hist-via-import",
        AuditChannel::Job => "hist-via-job",
        AuditChannel::Cli => "hist-via-cli",
    }
}

fn entry_view(locale: Locale, entry: &AuditEntry) -> impl IntoView + use<> {
    let (op, op_key) = match entry.op {
        ChangeOp::Create => ("create", "tl-created"),
        ChangeOp::Update => ("update", "tl-updated"),
        ChangeOp::Delete => ("delete", "tl-deleted"),
    };
    let who = entry
        .actor_name
        .clone()
        .unwrap_or_else(|| message(locale, "hist-system", None));
    let via = entry
        .channel
        .map(|c| format!(" · {}", message(locale, channel_key(c), None)))
        .unwrap_or_default();
    let when = i18n::datetime(locale, &entry.at.to_rfc3339());
    let rows = match &entry.values {
        Some(values) => values
            .iter()
            .map(|(field, change)| {
                view! {
                    <tr data-field=field.clone()>
                        <th>{field_label(locale, field)}</th>
                        <td class="hist-from">{shown(locale, &change.from)}</td>
                        <td class="hist-arrow" aria-hidden="true">"→"</td>
                        <td class="hist-to">{shown(locale, &change.to)}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any(),
        None => entry
            .changed_fields
            .iter()
            .map(|field| {
                view! {
                    <tr data-field=field.clone()>
                        <th>{field_label(locale, field)}</th>
                        <td class="muted" colspan="3">{message(locale, "hist-values-hidden", None)}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any(),
    };
    view! {
        <li class="hist-entry" data-op=op>
            <div>
                <span class="badge">{message(locale, op_key, None)}</span>" "
                <strong class="hist-actor">{who}</strong>
                <small class="muted hist-via">{via}</small>
                <small class="muted">" · "<time>{when}</time></small>
            </div>
            <table class="list compact hist-fields"><tbody>{rows}</tbody></table>
        </li>
    }
}

/// The history of one record; `entity` is the log's name for its type
/// (`customer`, `contact`, `deal`).
#[component]
pub fn History(entity: &'static str, id: Uuid) -> impl IntoView {
    let locale = use_locale();
    let list = Paged::<AuditEntry>::new(move || {
        format!("/api/v1/audit?entity={entity}&entity_id={id}&limit=25")
    });
    let entries = move || {
        let locale = locale.get();
        list.items
            .with(|items| items.iter().map(|e| entry_view(locale, e)).collect_view())
    };
    view! {
        <section class="card history-tab" data-entity=entity>
            <h2>{tr("cust-history")}</h2>
            {move || list.error.get().map(|e| view! { <ErrorView error=e/> })}
            {move || {
                if list.loading.get() && list.items.with(Vec::is_empty) {
                    view! { <Skeleton rows=4/> }.into_any()
                } else if list.items.with(Vec::is_empty) {
                    view! { <Empty message=tr("hist-none")/> }.into_any()
                } else {
                    view! { <ul class="history">{entries}</ul> }.into_any()
                }
            }}
            <When when=move || list.cursor.get().is_some()>
                <button class="wide history-more" disabled=move || list.loading.get() on:click=move |_| list.load_more()>{tr("load-more")}</button>
            </When>
        </section>
    }
}
