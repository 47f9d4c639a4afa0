//! 工作台 Home: the day at a glance for whoever signs in, each card over the
//! records their role lets them read — a rep their own, a manager their
//! team's, an administrator the company's (the server applies the scope;
//! the headings name it). Tasks due today and overdue, the pipeline by
//! stage, quota attainment, this quarter's forecast and the performance
//! ranking; every figure links to the list or page behind it.

use crm_api_types::activities::Reminders;
use crm_api_types::deals::{Kanban, Pipeline};
use crm_api_types::domain::access::{Action, ObjectType, Scope};
use crm_api_types::forecast::{Forecast, Quotas};
use crm_api_types::performance::Performance;
use leptos::prelude::*;

use crate::components::{ErrorView, Skeleton, When};
use crate::i18n::{self, Locale, tr, use_locale, use_t1};
use crate::load::Load;
use crate::session::use_session;

/// The catalog key naming whose figures a card shows.
fn whose(scope: Scope) -> &'static str {
    match scope {
        Scope::All => "home-company",
        Scope::Own | Scope::None => "home-mine",
        _ => "home-team",
    }
}

/// A card's body while loading, on error, or loaded.
fn body<T: serde::de::DeserializeOwned + Clone + Send + Sync + 'static, V: IntoView + 'static>(
    load: Load<T>,
    view: impl Fn(T) -> V + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || match load.get() {
        None => view! { <Skeleton rows=3/> }.into_any(),
        Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
        Some(Ok(v)) => view(v).into_any(),
    }
}

fn money(locale: Locale, minor: i64, currency: &str) -> String {
    i18n::money_whole(locale, minor as f64, currency)
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let t1 = use_t1();
    let locale = use_locale();
    let session = use_session();
    let name = move || {
        session.0.with(|me| {
            me.as_ref()
                .map(|m| m.user.display_name.clone())
                .unwrap_or_default()
        })
    };
    let deals_scope = move || {
        session.0.with(|me| {
            me.as_ref().map_or(Scope::None, |m| {
                m.permissions.scope(ObjectType::Deals, Action::Read)
            })
        })
    };
    let sales = move || deals_scope() != Scope::None;
    let tasks = move || session.can(ObjectType::Activities, Action::Read);
    let reminders = Load::<Reminders>::new(move || {
        if tasks() {
            let until = crate::clock::day_start(1);
            format!(
                "/api/v1/activities/reminders?until={}",
                crate::api::encode(&until)
            )
        } else {
            String::new()
        }
    });
    let pipelines = Load::<Vec<Pipeline>>::new(move || {
        if sales() {
            "/api/v1/pipelines".to_owned()
        } else {
            String::new()
        }
    });
    let board = Load::<Kanban>::new(move || {
        pipelines
            .ok_with(|l| {
                l.first()
                    .map(|p| format!("/api/v1/pipelines/{}/kanban?limit=1", p.id))
            })
            .flatten()
            .unwrap_or_default()
    });
    let quotas = Load::<Quotas>::new(move || {
        if sales() {
            "/api/v1/quotas?period=quarter".to_owned()
        } else {
            String::new()
        }
    });
    let forecast = Load::<Forecast>::new(move || {
        if sales() {
            "/api/v1/forecast?period=quarter".to_owned()
        } else {
            String::new()
        }
    });
    let performance = Load::<Performance>::new(move || {
        if sales() {
            "/api/v1/performance?period=quarter".to_owned()
        } else {
            String::new()
        }
    });
    let scope_word = move || tr(whose(deals_scope()));

    view! {
        <section class="dashboard" id="home">
            <h1 id="page-title">{tr("nav-dashboard")}</h1>
            <p class="muted" id="home-greeting">{Signal::derive(move || t1("welcome", "name", name()))}</p>
            <div class="home-grid">
                <When when=tasks>
                    <div class="card" id="home-tasks">
                        <h2><a href="/tasks">{tr("home-tasks")}</a></h2>
                        {body(reminders, move |r: Reminders| {
                            let locale = locale.get();
                            let items = r.items.into_iter().take(6).map(|a| {
                                let when = a.due_at.map(|at| i18n::datetime(locale, &at.to_rfc3339())).unwrap_or_default();
                                let href = a.customer_id.map_or_else(|| "/tasks".to_owned(), |c| format!("/customers/{c}"));
                                view! { <li class="home-task"><a href=href>{a.subject}</a>" "<span class="muted">{when}</span></li> }
                            }).collect_view();
                            let late = r.overdue > 0;
                            view! {
                                <div class="kpi-tiles">
                                    <a class="kpi-tile" href="/tasks" id="home-due">
                                        <span class="kpi-label">{tr("home-due-today")}</span>
                                        <strong class="kpi-value">{r.due}</strong>
                                    </a>
                                    <a class="kpi-tile" href="/tasks" id="home-overdue">
                                        <span class="kpi-label">{tr("home-overdue")}</span>
                                        <strong class="kpi-value" class:danger=late>{r.overdue}</strong>
                                    </a>
                                </div>
                                <ul class="plain">{items}</ul>
                            }
                        })}
                    </div>
                </When>
                <When when=sales>
                    <div class="card" id="home-pipeline">
                        <h2><a href="/deals">{tr("home-pipeline")}</a>" · "{scope_word}</h2>
                        {body(board, move |k: Kanban| pipeline_view(k, locale.get()))}
                    </div>
                    <div class="card" id="home-forecast">
                        <h2><a href="/forecast">{tr("nav-forecast")}</a>" · "{scope_word}</h2>
                        {body(forecast, move |f: Forecast| {
                            let locale = locale.get();
                            let t = &f.total;
                            let tiles = [
                                ("fc-closed", t.closed_won_minor),
                                ("fc-commit", t.closed_won_minor + t.commit_minor),
                                ("fc-best-case", t.closed_won_minor + t.commit_minor + t.best_case_minor),
                                ("fc-weighted", t.weighted_minor),
                            ].into_iter().map(|(key, v)| view! {
                                <a class="kpi-tile" href="/forecast" data-key=key>
                                    <span class="kpi-label">{tr(key)}</span>
                                    <strong class="kpi-value">{money(locale, v, &f.currency)}</strong>
                                </a>
                            }).collect_view();
                            view! { <p class="muted">{f.label.clone()}</p><div class="kpi-tiles">{tiles}</div> }
                        })}
                    </div>
                    <div class="card" id="home-quotas">
                        <h2><a href="/forecast">{tr("home-quotas")}</a></h2>
                        {body(quotas, move |q: Quotas| quotas_view(q, locale.get()))}
                    </div>
                    <div class="card" id="home-ranking">
                        <h2><a href="/performance">{tr("pf-ranking")}</a>" · "{scope_word}</h2>
                        {body(performance, move |p: Performance| {
                            let locale = locale.get();
                            let rows = p.reps.iter().take(5).map(|r| {
                                let href = r.owner_id.map_or_else(|| "/performance".to_owned(), |o| format!("/performance?owner_id={o}"));
                                let name = r.owner_name.clone().unwrap_or_default();
                                view! {
                                    <tr class="home-rep">
                                        <td class="num">{r.rank}</td>
                                        <td><a href=href>{name}</a></td>
                                        <td class="num">{money(locale, r.figures.won_revenue_minor, &p.currency)}</td>
                                        <td class="num">{r.figures.deals_won}</td>
                                    </tr>
                                }
                            }).collect_view();
                            view! {
                                <table class="rank">
                                    <thead><tr><th class="num">"#"</th><th>{tr("fc-rep")}</th>
                                        <th class="num">{tr("pf-won-revenue")}</th><th class="num">{tr("pf-won")}</th></tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            }
                        })}
                    </div>
                </When>
            </div>
        </section>
    }
}

/// Open stages with their deal count and amount, bars scaled to the largest.
fn pipeline_view(k: Kanban, locale: Locale) -> impl IntoView {
    let pipeline = k.pipeline.id;
    let columns: Vec<_> = k
        .columns
        .into_iter()
        .filter(|c| c.stage.kind == crm_api_types::domain::sales::StageKind::Open)
        .collect();
    let amount = |c: &crm_api_types::deals::KanbanColumn| -> i64 {
        c.totals.iter().map(|t| t.amount_minor).max().unwrap_or(0)
    };
    let widest = columns.iter().map(amount).max().unwrap_or(0).max(1);
    columns
        .into_iter()
        .map(|c| {
            let total = c.totals.iter().max_by_key(|t| t.amount_minor).map(|t| money(locale, t.amount_minor, &t.currency)).unwrap_or_default();
            let width = format!("width:{}%", amount(&c) * 100 / widest);
            view! {
                <a class="home-stage" href=format!("/deals?pipeline={pipeline}") data-stage=c.stage.id.to_string()>
                    <span class="home-stage-name">{c.stage.name}</span>
                    <span class="quota-bar"><span class="quota-fill stage-fill" style=width></span></span>
                    <span class="num home-stage-count">{c.count}</span>
                    <span class="num">{total}</span>
                </a>
            }
        })
        .collect_view()
}

fn quotas_view(q: Quotas, locale: Locale) -> impl IntoView {
    if q.items.is_empty() {
        return view! { <p class="muted">{tr("home-no-quotas")}</p> }.into_any();
    }
    let rows = q
        .items
        .into_iter()
        .take(6)
        .map(|a| {
            let percent = a.attainment.map_or_else(|| "—".to_owned(), |r| i18n::percent(locale, r));
            let width = format!("width:{}%", (a.attainment.unwrap_or(0.0) * 100.0).clamp(0.0, 100.0).round());
            let pace = format!("left:{}%", (a.pace * 100.0).round());
            let metric = i18n::vocab(locale, "quota-metric", a.quota.metric.as_str());
            view! {
                <a class="home-quota" href="/forecast" class:behind=!a.on_pace>
                    <span>{a.holder_name}" · "{metric}</span>
                    <span class="quota-bar"><span class="quota-fill" style=width></span><i class="quota-pace" style=pace></i></span>
                    <span class="num home-quota-percent">{percent}</span>
                </a>
            }
        })
        .collect_view();
    view! { <p class="muted">{q.label}</p>{rows} }.into_any()
}
