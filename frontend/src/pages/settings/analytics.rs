//! Settings › 分析设置 Analytics: the base currency revenue figures count
//! in, and after how many silent days a customer has churned
//! (`/analytics/settings`). The server checks both; its field errors show
//! beside each input.

use crm_api_types::analytics::AnalyticsSettings;
use leptos::prelude::*;
use serde_json::json;

use crate::api::ApiError;
use crate::components::{ErrorView, FieldError, Skeleton, use_toasts};
use crate::i18n::{tr, use_t};
use crate::load::Load;

#[component]
pub fn AnalyticsSettingsTab() -> impl IntoView {
    let t = use_t();
    let toasts = use_toasts();
    let current = Load::<AnalyticsSettings>::new(|| "/api/v1/analytics/settings".to_owned());
    let currency = RwSignal::new(String::new());
    let churn = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(s) = current.ok_with(Clone::clone) {
            currency.set(s.base_currency);
            churn.set(s.churn_after_days.to_string());
        }
    });
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let days = churn.get_untracked().trim().parse::<i64>().unwrap_or(-1);
        let body = json!({"base_currency": currency.get_untracked().trim().to_uppercase(), "churn_after_days": days});
        saving.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let result =
                crate::api::put::<AnalyticsSettings, _>("/api/v1/analytics/settings", &body).await;
            saving.set(false);
            match result {
                Ok(_) => {
                    toasts.success(t("analytics-settings-saved"));
                    current.refetch();
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    view! {
        {move || match current.get() {
            None => view! { <Skeleton rows=2/> }.into_any(),
            Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
            Some(Ok(_)) => view! {
                <form class="card form" id="analytics-settings" on:submit=submit>
                    <div class="grid-form">
                        <label>{tr("analytics-settings-currency")}
                            <input id="base-currency" maxlength="3" bind:value=currency/>
                            <FieldError id="base-currency-error" message=field("base_currency")/></label>
                        <label>{tr("analytics-settings-churn")}
                            <input id="churn-days" inputmode="numeric" bind:value=churn/>
                            <FieldError id="churn-days-error" message=field("churn_after_days")/></label>
                    </div>
                    <p class="muted">{tr("analytics-settings-help")}</p>
                    {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
                    <div class="actions"><button type="submit" class="primary" id="analytics-settings-save" disabled=move || saving.get()>{tr("save")}</button></div>
                </form>
            }.into_any(),
        }}
    }
}
