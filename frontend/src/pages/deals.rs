//! Deals (商机): the kanban board of a pipeline (`kanban`, `/deals`), where
//! a card dragged to another column moves the deal to that stage, and one
//! deal with its stage history and activities (`detail`, `/deals/:id`).
//! From `/api/v1/pipelines`, `/pipelines/{id}/kanban`, `/deals` and
//! `/activities`. The server limits every list to the caller's scope.

pub mod detail;
pub mod form;
pub mod kanban;
pub mod lines;

use std::collections::HashMap;

use crm_api_types::deals::{Pipeline, StageTotal};
use fluent_bundle::{FluentArgs, FluentValue};
use uuid::Uuid;

use crate::i18n::{self, Locale, message};

/// Stage id → (stage name, pipeline name), over every pipeline.
pub fn stage_names(pipelines: &[Pipeline]) -> HashMap<Uuid, (String, String)> {
    pipelines
        .iter()
        .flat_map(|p| {
            p.stages
                .iter()
                .map(|s| (s.id, (s.name.clone(), p.name.clone())))
        })
        .collect()
}

/// Per-currency sums as "¥1,200,000" (several currencies joined by " + ");
/// the weighted sums when `weighted`.
pub fn totals_text(locale: Locale, totals: &[StageTotal], weighted: bool) -> String {
    if totals.is_empty() {
        return i18n::money_whole(locale, 0.0, "CNY");
    }
    totals
        .iter()
        .map(|t| {
            let minor = if weighted {
                t.weighted_minor
            } else {
                t.amount_minor
            };
            i18n::money_whole(locale, minor as f64, &t.currency)
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// A length of time as "3 天 4 小时" / "3 d 4 h" (milliseconds).
pub fn span(locale: Locale, millis: f64) -> String {
    let minutes = (millis.max(0.0) / 60_000.0).floor() as i64;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut args = FluentArgs::new();
    let key = if days > 0 {
        args.set("d", FluentValue::from(days));
        args.set("h", FluentValue::from(hours));
        "sales-span-days"
    } else if hours > 0 {
        args.set("h", FluentValue::from(hours));
        args.set("m", FluentValue::from(mins));
        "sales-span-hours"
    } else {
        args.set("m", FluentValue::from(mins));
        "sales-span-minutes"
    };
    message(locale, key, Some(&args))
}

/// Activity kinds' marks, for lists of activities.
pub fn activity_icon(kind: &str) -> &'static str {
    match kind {
        "call" => "☏",
        "visit" => "⌂",
        "meeting" => "◷",
        "email" => "✉",
        "task" => "☑",
        _ => "✎",
    }
}
