//! The pipeline kanban: one column per stage with its deal count, sum and
//! weighted sum, the deals most recently moved first ("load more" on the
//! column's cursor), and drag and drop between columns. A drop moves the
//! card at once and sends `PATCH /deals/{id}` with `If-Match`; a refusal
//! puts the card back and shows the server's problem. The columns' sums come
//! from the server again after every move. A lost stage asks for the reason
//! first (the server requires one). The chosen pipeline is in the URL.

use crm_api_types::Page;
use crm_api_types::deals::{Deal, Kanban as Board, KanbanColumn, Pipeline, Stage};
use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::domain::sales::StageKind;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::json;
use uuid::Uuid;

use super::totals_text;
use crate::api::ApiError;
use crate::components::{ErrorView, Skeleton, When, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t1};
use crate::load::Load;
use crate::session::{use_lookups, use_session};

const PAGE: u32 = 20;

#[component]
pub fn Kanban() -> impl IntoView {
    let query = use_query_map();
    let pipelines = Load::<Vec<Pipeline>>::new(|| "/api/v1/pipelines".to_owned());
    let chosen = Memo::new(move |_| {
        let wanted = query.with(|q| q.get("pipeline").and_then(|s| s.parse::<Uuid>().ok()));
        pipelines
            .ok_with(|list| {
                list.iter()
                    .find(|p| Some(p.id) == wanted)
                    .or(list.first())
                    .map(|p| p.id)
            })
            .flatten()
    });
    let session = use_session();
    let creating = RwSignal::new(false);
    // Taken now: the form calls back from an async task, which has no router context.
    let navigate = StoredValue::new_local(use_navigate());
    let switch = move |ev: leptos::ev::Event| {
        use_navigate()(
            &format!("/deals?pipeline={}", event_target_value(&ev)),
            Default::default(),
        );
    };
    view! {
        <section class="kanban-page">
            <div class="toolbar">
                <h1 id="page-title">{tr("nav-deals")}</h1>
                <select id="pipeline" aria-label=tr("deal-pipeline") on:change=switch>
                    {move || pipelines.ok_with(|list| list.iter().map(|p| {
                        let id = p.id;
                        view! { <option value=id.to_string() selected=move || chosen.get() == Some(id)>{p.name.clone()}</option> }
                    }).collect_view())}
                </select>
                <When when=move || session.can(ObjectType::Deals, Action::Create)>
                    <button id="new-deal" class="primary" on:click=move |_| creating.set(true)>{tr("deal-new")}</button>
                </When>
            </div>
            {move || creating.get().then(|| view! {
                <super::form::DealForm existing=None
                    on_saved=move |deal: Deal| {
                        creating.set(false);
                        navigate.get_value()(&format!("/deals/{}", deal.id), Default::default());
                    }
                    on_cancel=move || creating.set(false)/>
            })}
            {move || match pipelines.get() {
                None => view! { <Skeleton rows=6/> }.into_any(),
                Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                Some(Ok(_)) => match chosen.get() {
                    Some(id) => view! { <BoardView pipeline=id/> }.into_any(),
                    None => view! { <p class="muted">{tr("deal-no-pipeline")}</p> }.into_any(),
                },
            }}
        </section>
    }
}

/// One column as the board holds it.
#[derive(Clone)]
struct Column {
    stage: Stage,
    count: i64,
    totals: Vec<crm_api_types::deals::StageTotal>,
    deals: Vec<Deal>,
    cursor: Option<String>,
}

impl From<KanbanColumn> for Column {
    fn from(c: KanbanColumn) -> Self {
        Self {
            stage: c.stage,
            count: c.count,
            totals: c.totals,
            deals: c.deals,
            cursor: c.next_cursor,
        }
    }
}

/// Moves the card `deal` to the top of column `to` (or back to `index` of
/// it), adjusting both counts; returns where it was.
fn shift(cols: &mut [Column], deal: Uuid, to: Uuid, index: usize) -> Option<(Uuid, usize)> {
    let (from_col, pos) = cols.iter().enumerate().find_map(|(i, c)| {
        c.deals
            .iter()
            .position(|d| d.id == deal)
            .map(|pos| (i, pos))
    })?;
    let card = cols[from_col].deals.remove(pos);
    cols[from_col].count -= 1;
    let from = cols[from_col].stage.id;
    let target = cols.iter_mut().find(|c| c.stage.id == to)?;
    target.count += 1;
    let at = index.min(target.deals.len());
    target.deals.insert(at, card);
    Some((from, pos))
}

#[component]
fn BoardView(pipeline: Uuid) -> impl IntoView {
    let toasts = use_toasts();
    let t1 = use_t1();
    let session = use_session();
    let columns = RwSignal::new(Vec::<Column>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let loaded = RwSignal::new(false);
    let problem = RwSignal::new(None::<ApiError>);
    let dragging = RwSignal::new(None::<Uuid>);
    let over = RwSignal::new(None::<Uuid>);
    let pending_lost = RwSignal::new(None::<(Uuid, Uuid)>);
    let lost_reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);

    // The whole board, or (`sums_only`) just every column's count and sums.
    let fetch = move |sums_only: bool| {
        let limit = if sums_only { 1 } else { PAGE };
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/pipelines/{pipeline}/kanban?limit={limit}");
            match crate::api::get::<Board>(&path).await {
                Ok(board) if sums_only => columns.update(|cols| {
                    for fresh in board.columns {
                        if let Some(c) = cols.iter_mut().find(|c| c.stage.id == fresh.stage.id) {
                            c.count = fresh.count;
                            c.totals = fresh.totals;
                        }
                    }
                }),
                Ok(board) => {
                    columns.set(board.columns.into_iter().map(Column::from).collect());
                    loaded.set(true);
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    fetch(false);

    let move_deal = move |deal: Uuid, to: Uuid, reason: Option<String>| {
        let Some(version) = columns.with_untracked(|cols| {
            cols.iter()
                .flat_map(|c| c.deals.iter())
                .find(|d| d.id == deal && d.stage_id != to)
                .map(|d| d.version)
        }) else {
            return;
        };
        let mut moved = None;
        columns.update(|cols| moved = shift(cols, deal, to, 0));
        let Some((from, pos)) = moved else { return };
        problem.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let mut body = json!({ "stage_id": to });
            if let Some(reason) = reason {
                body["lost_reason"] = json!(reason);
            }
            let result =
                crate::api::patch::<Deal, _>(&format!("/api/v1/deals/{deal}"), &body, version)
                    .await;
            match result {
                Ok(updated) => {
                    let name = updated.name.clone();
                    columns.update(|cols| {
                        if let Some(d) = cols
                            .iter_mut()
                            .flat_map(|c| c.deals.iter_mut())
                            .find(|d| d.id == deal)
                        {
                            *d = updated;
                        }
                    });
                    toasts.success(t1("deal-moved", "name", name));
                    fetch(true);
                }
                Err(err) => {
                    columns.update(|cols| {
                        shift(cols, deal, from, pos);
                    });
                    toasts.error(err.to_string());
                    problem.set(Some(err));
                }
            }
            busy.set(false);
        });
    };
    let drop_on = move |stage: Stage| {
        let Some(deal) = dragging.get_untracked() else {
            return;
        };
        dragging.set(None);
        over.set(None);
        if stage.kind == StageKind::Lost {
            lost_reason.set(String::new());
            pending_lost.set(Some((deal, stage.id)));
        } else {
            move_deal(deal, stage.id, None);
        }
    };
    let confirm_lost = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some((deal, stage)) = pending_lost.get_untracked() {
            pending_lost.set(None);
            move_deal(
                deal,
                stage,
                Some(lost_reason.get_untracked().trim().to_owned()),
            );
        }
    };
    let load_more = move |stage: Uuid| {
        let Some(cursor) = columns.with_untracked(|cols| {
            cols.iter()
                .find(|c| c.stage.id == stage)
                .and_then(|c| c.cursor.clone())
        }) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let path = format!(
                "/api/v1/deals?pipeline_id={pipeline}&stage_id={stage}&sort=-stage_changed_at&limit={PAGE}&cursor={}",
                crate::api::encode(&cursor)
            );
            match crate::api::get::<Page<Deal>>(&path).await {
                Ok(page) => columns.update(|cols| {
                    if let Some(c) = cols.iter_mut().find(|c| c.stage.id == stage) {
                        let fresh: Vec<Deal> = page
                            .items
                            .into_iter()
                            .filter(|d| !c.deals.iter().any(|have| have.id == d.id))
                            .collect();
                        c.deals.extend(fresh);
                        c.cursor = page.next_cursor;
                    }
                }),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let can_move = move || session.can(ObjectType::Deals, Action::Update);
    let hooks = Hooks {
        dragging,
        over,
        drop_on,
        load_more,
        can_move,
    };

    view! {
        {move || failure.get().map(|e| view! { <ErrorView error=e/> })}
        {move || problem.get().map(|e| view! {
            <div class="error-box" role="alert" id="move-problem">
                <strong>{tr("deal-move-refused")}</strong>
                <p>{e.to_string()}</p>
                <button class="link" on:click=move |_| problem.set(None)>{tr("close")}</button>
            </div>
        })}
        <When when=move || loaded.get() fallback=|| view! { <Skeleton rows=6/> }>
            <div class="kanban scroll-x" id="kanban" class:busy=move || busy.get()>
                {move || columns.get().into_iter().map(|c| column(c, hooks)).collect_view()}
            </div>
        </When>
        <When when=move || pending_lost.get().is_some()>
            <div class="modal-backdrop">
                <form class="modal card" role="dialog" aria-modal="true" id="lost-dialog" on:submit=confirm_lost>
                    <h2>{tr("deal-lost-title")}</h2>
                    <label>{tr("deal-lost-reason")}<input id="lost-reason" required bind:value=lost_reason/></label>
                    <div class="actions">
                        <button type="button" on:click=move |_| pending_lost.set(None)>{tr("cancel")}</button>
                        <button type="submit" class="primary" id="lost-confirm">{tr("confirm")}</button>
                    </div>
                </form>
            </div>
        </When>
    }
}

/// What a column's markup needs from the board.
#[derive(Clone, Copy)]
struct Hooks<D, L, C>
where
    D: Fn(Stage) + Copy + Send + Sync + 'static,
    L: Fn(Uuid) + Copy + Send + Sync + 'static,
    C: Fn() -> bool + Copy + Send + Sync + 'static,
{
    dragging: RwSignal<Option<Uuid>>,
    over: RwSignal<Option<Uuid>>,
    drop_on: D,
    load_more: L,
    can_move: C,
}

fn column<D, L, C>(c: Column, hooks: Hooks<D, L, C>) -> impl IntoView + use<D, L, C>
where
    D: Fn(Stage) + Copy + Send + Sync + 'static,
    L: Fn(Uuid) + Copy + Send + Sync + 'static,
    C: Fn() -> bool + Copy + Send + Sync + 'static,
{
    let locale = use_locale();
    let stage = c.stage.clone();
    let id = stage.id;
    let Hooks {
        dragging,
        over,
        drop_on,
        load_more,
        can_move,
    } = hooks;
    let totals = StoredValue::new(c.totals.clone());
    let amount = c.totals.first().map_or(0, |t| t.amount_minor);
    let weighted = c.totals.first().map_or(0, |t| t.weighted_minor);
    let on_over = move |ev: leptos::ev::DragEvent| {
        if dragging.get_untracked().is_some() {
            ev.prevent_default();
            if over.get_untracked() != Some(id) {
                over.set(Some(id));
            }
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        drop_on(stage.clone());
    };
    let has_more = c.cursor.is_some();
    view! {
        <section class="kanban-col" data-stage=id.to_string() data-kind=c.stage.kind.as_str()
            class:drop-target=move || over.get() == Some(id)
            on:dragover=on_over on:drop=on_drop
            on:dragleave=move |_| { if over.get_untracked() == Some(id) { over.set(None) } }>
            <header class="kanban-head">
                <div class="kanban-title">
                    <h2>{c.stage.name.clone()}</h2>
                    <span class="badge count">{c.count}</span>
                    <span class="muted prob">{format!("{}%", c.stage.probability)}</span>
                </div>
                <div class="kanban-sums">
                    <span class="sum" data-minor=amount.to_string()>{move || totals.with_value(|t| totals_text(locale.get(), t, false))}</span>
                    <span class="weighted muted" data-minor=weighted.to_string()>{tr("deal-weighted")}" "{move || totals.with_value(|t| totals_text(locale.get(), t, true))}</span>
                </div>
            </header>
            <div class="kanban-cards">
                {c.deals.into_iter().map(|d| card(d, dragging, can_move)).collect_view()}
            </div>
            {has_more.then(|| view! {
                <button class="wide load-more-col" on:click=move |_| load_more(id)>{tr("load-more")}</button>
            })}
        </section>
    }
}

fn card(
    d: Deal,
    dragging: RwSignal<Option<Uuid>>,
    can_move: impl Fn() -> bool + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let id = d.id;
    let on_start = move |ev: leptos::ev::DragEvent| {
        if let Some(dt) = ev.data_transfer() {
            let _ = dt.set_data("text/plain", &id.to_string());
            dt.set_effect_allowed("move");
        }
        dragging.set(Some(id));
    };
    let amount = d.amount.clone();
    let close = d.expected_close_date;
    let owner = d.owner_id;
    view! {
        <article class="deal-card" draggable=move || if can_move() { "true" } else { "false" }
            data-id=id.to_string() data-owner=owner.map(|o| o.to_string()).unwrap_or_default()
            class:dragging=move || dragging.get() == Some(id)
            on:dragstart=on_start on:dragend=move |_| dragging.set(None)>
            <a class="deal-name" draggable="false" href=format!("/deals/{id}")>{d.name}</a>
            <div class="deal-amount">{move || i18n::money_whole(locale.get(), amount.amount_minor as f64, &amount.currency)}</div>
            <div class="deal-meta muted">
                <span>{move || lookups.user_name(owner)}</span>
                <span>{format!("{}%", d.probability)}</span>
                {close.map(|c| view! { <span>{move || i18n::date(locale.get(), &format!("{c}T00:00:00"))}</span> })}
            </div>
        </article>
    }
}
