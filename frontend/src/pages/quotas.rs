//! 预算达成 Quotas on the forecast page: every quota of the period the
//! caller may see, with actual against target as a bar and the pace of the
//! period as a mark on it; a manager (deal update scope `subtree` or `all`)
//! sets a target for a rep or a team below them, or removes one. From
//! `GET/POST /api/v1/quotas` and `DELETE /api/v1/quotas/{id}`.

use crm_api_types::Page;
use crm_api_types::access::Team;
use crm_api_types::domain::access::{Action, ObjectType, Scope};
use crm_api_types::forecast::{Quota, Quotas};
use leptos::prelude::*;
use serde_json::json;

use crate::components::{Empty, ErrorView, Skeleton, When, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t};
use crate::load::Load;
use crate::session::{use_lookups, use_session};

const METRICS: [&str; 5] = [
    "won_revenue",
    "order_revenue",
    "new_customers",
    "deals_won",
    "activities",
];

fn is_money(metric: &str) -> bool {
    matches!(metric, "won_revenue" | "order_revenue")
}

/// The quotas card for the period at `path` (`period=…&date=…`).
#[component]
pub fn QuotaCard(
    #[prop(into)] period: Signal<String>,
    #[prop(into)] date: Signal<String>,
) -> impl IntoView {
    let t = use_t();
    let locale = use_locale();
    let session = use_session();
    let lookups = use_lookups();
    let toasts = use_toasts();
    let changed = RwSignal::new(0u32);
    let quotas = Load::<Quotas>::new(move || {
        changed.track();
        let mut path = format!("/api/v1/quotas?period={}", period.get());
        let date = date.get();
        if !date.is_empty() {
            path.push_str(&format!("&date={date}"));
        }
        path
    });
    let may_set = move || {
        session.0.with(|me| {
            me.as_ref().is_some_and(|me| {
                matches!(
                    me.permissions.scope(ObjectType::Deals, Action::Update),
                    Scope::Subtree | Scope::All
                )
            })
        })
    };
    let teams = Load::<Page<Team>>::new(move || {
        if may_set() && session.can(ObjectType::Teams, Action::Read) {
            "/api/v1/teams?limit=200".to_owned()
        } else {
            String::new()
        }
    });
    let holder = RwSignal::new(String::new());
    let metric = RwSignal::new("order_revenue".to_owned());
    let target = RwSignal::new(String::new());
    let error = RwSignal::new(None::<crate::api::ApiError>);
    let save = move |_| {
        let h = holder.get_untracked();
        let (kind, id) = h.split_once(':').unwrap_or(("", ""));
        let metric_now = metric.get_untracked();
        let typed: f64 = target.get_untracked().trim().parse().unwrap_or(-1.0);
        let amount = if is_money(&metric_now) {
            (typed * 100.0).round() as i64
        } else {
            typed.round() as i64
        };
        let mut body = json!({"metric": metric_now, "period": period.get_untracked(),
            "date": date.get_untracked(), "target": amount});
        if body["date"] == "" {
            body["date"] = json!(
                js_sys::Date::new_0()
                    .to_iso_string()
                    .as_string()
                    .unwrap_or_default()
                    .get(..10)
                    .unwrap_or_default()
            );
        }
        if kind == "team" {
            body["team_id"] = json!(id);
        } else {
            body["user_id"] = json!(id);
        }
        leptos::task::spawn_local(async move {
            match crate::api::post::<Quota, _>("/api/v1/quotas", &body).await {
                Ok(_) => {
                    error.set(None);
                    target.set(String::new());
                    toasts.success(t("quota-saved"));
                    changed.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |id: String| {
        leptos::task::spawn_local(async move {
            match crate::api::delete(&format!("/api/v1/quotas/{id}"), None).await {
                Ok(()) => changed.update(|n| *n += 1),
                Err(e) => toasts.error(e.title),
            }
        });
    };

    view! {
        <div class="card" id="quotas">
            <h2>{tr("quota-title")}</h2>
            {move || match quotas.get() {
                None => view! { <Skeleton rows=3/> }.into_any(),
                Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                Some(Ok(q)) if q.items.is_empty() => view! { <Empty message=tr("quota-none")/> }.into_any(),
                Some(Ok(q)) => {
                    let currency = q.currency.clone();
                    let rows = q.items.into_iter().map(|a| {
                        let metric = a.quota.metric.as_str();
                        let show = {
                            let currency = currency.clone();
                            move |v: i64| if is_money(metric) {
                                i18n::money_whole(locale.get(), v as f64, &currency)
                            } else {
                                i18n::number(locale.get(), v as f64)
                            }
                        };
                        let share = a.attainment.unwrap_or(1.0).min(1.0) * 100.0;
                        let pace = a.pace * 100.0;
                        let percent = a.attainment.map(|r| i18n::percent(locale.get(), r)).unwrap_or_else(|| "—".into());
                        let id = a.quota.id.to_string();
                        let (target, actual) = (a.quota.target, a.actual);
                        let show2 = show.clone();
                        view! {
                            <tr class="quota" data-metric=metric class:behind=!a.on_pace>
                                <td>{a.holder_name}</td>
                                <td>{move || i18n::vocab(locale.get(), "quota-metric", metric)}</td>
                                <td class="num">{move || show(actual)}" / "{move || show2(target)}</td>
                                <td class="quota-bar-cell">
                                    <div class="quota-bar" title=move || t("quota-pace")>
                                        <div class="quota-fill" style=format!("width:{share:.1}%")></div>
                                        <div class="quota-pace" style=format!("left:{pace:.1}%")></div>
                                    </div>
                                </td>
                                <td class="num quota-percent">{percent}</td>
                                <td>
                                    <When when=may_set>
                                        <button class="link remove-quota" aria-label=move || t("quota-remove")
                                            on:click={ let id = id.clone(); move |_| remove(id.clone()) }>"×"</button>
                                    </When>
                                </td>
                            </tr>
                        }
                    }).collect_view();
                    view! {
                        <div class="scroll-x"><table class="rank" id="quota-table"><tbody>{rows}</tbody></table></div>
                    }.into_any()
                }
            }}
            <When when=may_set>
                <div class="quota-form" id="quota-form">
                    <select id="quota-holder" aria-label=move || t("quota-holder") on:change=move |ev| holder.set(event_target_value(&ev))>
                        <option value="">{tr("quota-holder")}</option>
                        {move || lookups.users.get().into_iter().filter(|u| u.active).map(|u| {
                            view! { <option value=format!("user:{}", u.id)>{u.display_name}</option> }
                        }).collect_view()}
                        {move || teams.ok_with(|p| p.items.iter().map(|team| {
                            view! { <option value=format!("team:{}", team.id)>{format!("{} · {}", t("fc-team"), team.name)}</option> }
                        }).collect_view())}
                    </select>
                    <select id="quota-metric" aria-label=move || t("quota-metric") on:change=move |ev| metric.set(event_target_value(&ev))>
                        {METRICS.into_iter().map(|m| view! {
                            <option value=m selected=move || metric.get() == m>{move || i18n::vocab(locale.get(), "quota-metric", m)}</option>
                        }).collect_view()}
                    </select>
                    <input id="quota-target" type="number" min="0" step="any" placeholder=move || t("quota-target")
                        prop:value=move || target.get() on:input=move |ev| target.set(event_target_value(&ev))/>
                    <button class="primary" id="quota-save" on:click=save>{tr("quota-set")}</button>
                </div>
                {move || error.get().map(|e| {
                    let text = ["user_id", "team_id", "target", "metric", "date"]
                        .into_iter()
                        .find_map(|f| e.field(f))
                        .or(e.detail.clone())
                        .unwrap_or(e.title.clone());
                    view! { <p class="field-error" id="quota-error">{text}</p> }
                })}
            </When>
        </div>
    }
}
