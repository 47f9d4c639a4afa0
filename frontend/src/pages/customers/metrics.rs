//! The customer detail page's purchase profile, from
//! `GET /api/v1/customers/{id}/profile`: orders, revenue, first and last
//! order, average order value, RFM scores and segment, the lifecycle derived
//! from orders, churn risk and customer value (so far and the next 12 months).

use crm_api_types::analytics::CustomerProfile;
use leptos::prelude::*;
use uuid::Uuid;

use crate::components::{ErrorView, Skeleton, figure_list};
use crate::i18n::{self, Locale, message, tr, use_locale, vocab};
use crate::load::Load;

fn day(locale: Locale, d: Option<impl std::fmt::Display>) -> String {
    d.map(|d| i18n::date(locale, &format!("{d}T00:00:00")))
        .unwrap_or_else(|| "—".to_owned())
}

/// The rows of the panel: (catalog key of the label, value).
fn figures(locale: Locale, p: &CustomerProfile) -> Vec<(&'static str, String)> {
    let money = |v: i64| i18n::money(locale, v, &p.currency);
    let mut last = day(locale, p.last_order_on);
    if let Some(n) = p.days_since_last_order {
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("n", i18n::number(locale, n as f64));
        last.push_str(&format!(
            " · {}",
            message(locale, "cp-days-ago", Some(&args))
        ));
    }
    let rfm = p.rfm.as_ref().map_or_else(
        || "—".to_owned(),
        |s| {
            format!(
                "{} · R{} F{} M{}",
                vocab(locale, "rfm", s.segment.as_str()),
                s.r,
                s.f,
                s.m
            )
        },
    );
    vec![
        ("cp-rfm", rfm),
        ("cp-lifecycle", vocab(locale, "life", p.lifecycle.as_str())),
        ("cp-orders", i18n::number(locale, p.order_count.into())),
        ("cp-revenue", money(p.revenue_minor)),
        (
            "cp-aov",
            p.average_order_value_minor
                .map_or_else(|| "—".to_owned(), money),
        ),
        ("cp-first", day(locale, p.first_order_on)),
        ("cp-last", last),
        (
            "cp-churn",
            p.churn_risk
                .map_or_else(|| "—".to_owned(), |r| i18n::percent(locale, r)),
        ),
        ("cp-clv", money(p.clv_historical_minor)),
        (
            "cp-clv-12m",
            p.clv_predicted_12m_minor
                .map_or_else(|| "—".to_owned(), money),
        ),
    ]
}

#[component]
pub fn PurchaseProfile(customer_id: Uuid) -> impl IntoView {
    let locale = use_locale();
    let profile =
        Load::<CustomerProfile>::new(move || format!("/api/v1/customers/{customer_id}/profile"));
    let body = move || match profile.get() {
        None => view! { <Skeleton rows=3/> }.into_any(),
        Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
        Some(Ok(p)) if p.order_count == 0 => {
            view! { <p class="muted" id="no-orders">{tr("cp-none")}</p> }.into_any()
        }
        Some(Ok(p)) => {
            let locale = locale.get();
            let items = figures(locale, &p)
                .into_iter()
                .map(|(key, value)| (message(locale, key, None), value))
                .collect();
            figure_list("purchase-profile", "figures compact", items)
        }
    };
    view! {
        <section class="card">
            <h2>{tr("cp-title")}</h2>
            {body}
        </section>
    }
}
