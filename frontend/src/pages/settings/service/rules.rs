//! The assignment rules editor (分配规则) inside the service settings
//! form: an ordered list — the first rule a new ticket matches routes it —
//! each with its conditions on the ticket (type, priority, channel) and on
//! the customer (region, value tier, tags), the team it routes to and how
//! the team's agent is picked. An empty condition matches anything. The
//! list is saved with the rest of the settings.

use crm_api_types::access::Team;
use crm_api_types::domain::analytics::ValueTier;
use crm_api_types::domain::service::Channel;
use crm_api_types::domain::service::TicketPriority;
use crm_api_types::tickets::{AssignMethod, AssignmentRule, TicketType};
use leptos::prelude::*;
use uuid::Uuid;

use crate::i18n::{self, tr, use_locale};
use crate::pages::settings::collection;
use crate::session::use_lookups;

/// Adds `value` to `list` when `on`, removes it otherwise.
fn toggle<T: PartialEq>(list: &mut Vec<T>, value: T, on: bool) {
    list.retain(|v| *v != value);
    if on {
        list.push(value);
    }
}

/// One group of checkboxes over `options` (value, label), reading and
/// writing the chosen values of rule `i` through `get` / `set`.
fn checks<T: PartialEq + Clone + Send + Sync + 'static>(
    class: &'static str,
    options: Vec<(T, String, Signal<String>)>,
    chosen: Vec<T>,
    set: impl Fn(T, bool) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    options
        .into_iter()
        .map(|(value, key, label)| {
            let on = chosen.contains(&value);
            let set = set.clone();
            view! {
                <label class="checkbox inline">
                    <input type="checkbox" class=class data-value=key prop:checked=on
                        on:change=move |ev| set(value.clone(), event_target_checked(&ev))/>
                    {label}
                </label>
            }
        })
        .collect_view()
}

#[component]
pub fn AssignmentRules(
    rules: RwSignal<Vec<AssignmentRule>>,
    types: RwSignal<Vec<TicketType>>,
) -> impl IntoView {
    let lookups = use_lookups();
    let locale = use_locale();
    let teams = collection::<Team>("/api/v1/teams");
    let edit = move |i: usize, f: &dyn Fn(&mut AssignmentRule)| {
        rules.update(|l| {
            if let Some(r) = l.get_mut(i) {
                f(r)
            }
        })
    };
    let swap = move |i: usize, j: usize| {
        rules.update(|l| {
            if i < l.len() && j < l.len() {
                l.swap(i, j)
            }
        })
    };
    let add = move |_| {
        // The team the rules route to so far, else the first team.
        let team = rules
            .with_untracked(|l| l.last().map(|r| r.team_id))
            .or_else(|| teams.items().first().map(|t| t.id))
            .unwrap_or(Uuid::nil());
        rules.update(|l| {
            l.push(AssignmentRule {
                name: String::new(),
                ticket_types: vec![],
                priorities: vec![],
                channels: vec![],
                region_codes: vec![],
                value_tiers: vec![],
                tag_ids: vec![],
                team_id: team,
                method: AssignMethod::RoundRobin,
            })
        })
    };
    let row = move |i: usize, r: AssignmentRule, count: usize| {
        let type_options = types
            .get()
            .into_iter()
            .map(|t| (t.key.clone(), t.key, Signal::derive(move || t.name.clone())))
            .collect();
        let priority_options = TicketPriority::ALL
            .iter()
            .map(|p| {
                (
                    *p,
                    p.as_str().to_owned(),
                    i18n::tr_vocab("ticket-priority", p.as_str()),
                )
            })
            .collect();
        let channel_options = Channel::ALL
            .iter()
            .map(|c| {
                (
                    *c,
                    c.as_str().to_owned(),
                    i18n::tr_vocab("channel", c.as_str()),
                )
            })
            .collect();
        let tier_options = ValueTier::ALL
            .iter()
            .map(|v| {
                (
                    *v,
                    v.as_str().to_owned(),
                    i18n::tr_vocab("value-tier", v.as_str()),
                )
            })
            .collect();
        let tag_options = lookups
            .tags
            .get()
            .into_iter()
            .map(|t| (t.id, t.name.clone(), Signal::derive(move || t.name.clone())))
            .collect();
        let regions = lookups.regions.get();
        let region_name = {
            let regions = regions.clone();
            move |code: &str| {
                regions
                    .name(locale.get(), code)
                    .unwrap_or_else(|| code.to_owned())
            }
        };
        let chips = r
            .region_codes
            .iter()
            .map(|code| {
                let code = code.clone();
                let name = region_name(&code);
                let data_code = code.clone();
                view! {
                    <span class="chip rule-region" data-code=data_code>{name}
                        <button type="button" class="link" on:click=move |_| edit(i, &|r| r.region_codes.retain(|c| *c != code))>"×"</button>
                    </span>
                }
            })
            .collect_view();
        let region_options = regions
            .provinces
            .iter()
            .flat_map(|p| {
                let mut out = vec![(p.code.clone(), region_name(&p.code))];
                out.extend(
                    regions
                        .cities_of(&p.code)
                        .map(|c| (c.code.clone(), format!("　{}", region_name(&c.code)))),
                );
                out
            })
            .map(|(code, name)| view! { <option value=code>{name}</option> })
            .collect_view();
        let team = r.team_id.to_string();
        view! {
            <fieldset class="assignment-rule" data-index=i>
                <legend>{format!("{}.", i + 1)}</legend>
                <div class="grid-form">
                    <label>{tr("svc-rule-name")}
                        <input class="rule-name" prop:value=r.name.clone()
                            on:change=move |ev| { let v = event_target_value(&ev); edit(i, &|r| r.name = v.clone()) }/></label>
                    <label>{tr("svc-rule-team")}
                        <select class="rule-team" on:change=move |ev| {
                            if let Ok(id) = event_target_value(&ev).parse::<Uuid>() { edit(i, &|r| r.team_id = id) }
                        }>
                            {move || teams.items().into_iter().map(|t| {
                                let id = t.id.to_string();
                                view! { <option value=id.clone() selected=id == team>{t.name}</option> }
                            }).collect_view()}
                        </select></label>
                    <label>{tr("svc-rule-method")}
                        <select class="rule-method" on:change=move |ev| {
                            let m = AssignMethod::parse(&event_target_value(&ev)).unwrap_or(AssignMethod::RoundRobin);
                            edit(i, &|r| r.method = m)
                        }>
                            {AssignMethod::ALL.iter().map(|m| view! {
                                <option value=m.as_str() selected=*m == r.method>{i18n::tr_vocab("assign-method", m.as_str())}</option>
                            }).collect_view()}
                        </select></label>
                </div>
                <p class="muted">{tr("svc-rule-when")}</p>
                <div class="rule-conditions">
                    <div><strong>{tr("svc-rule-types")}</strong>" "
                        {checks("rule-type", type_options, r.ticket_types.clone(), move |v, on| edit(i, &|r| toggle(&mut r.ticket_types, v.clone(), on)))}</div>
                    <div><strong>{tr("tk-priority")}</strong>" "
                        {checks("rule-priority", priority_options, r.priorities.clone(), move |v, on| edit(i, &|r| toggle(&mut r.priorities, v, on)))}</div>
                    <div><strong>{tr("tk-channel")}</strong>" "
                        {checks("rule-channel", channel_options, r.channels.clone(), move |v, on| edit(i, &|r| toggle(&mut r.channels, v, on)))}</div>
                    <div><strong>{tr("svc-rule-regions")}</strong>" "{chips}
                        <select class="rule-region-add" on:change=move |ev| {
                            let code = event_target_value(&ev);
                            if !code.is_empty() { edit(i, &|r| toggle(&mut r.region_codes, code.clone(), true)) }
                        }>
                            <option value="" selected=true>{tr("svc-rule-add-region")}</option>
                            {region_options}
                        </select></div>
                    <div><strong>{tr("dim-value-tier")}</strong>" "
                        {checks("rule-tier", tier_options, r.value_tiers.clone(), move |v, on| edit(i, &|r| toggle(&mut r.value_tiers, v, on)))}</div>
                    <div><strong>{tr("svc-rule-tags")}</strong>" "
                        {checks("rule-tag", tag_options, r.tag_ids.clone(), move |v, on| edit(i, &|r| toggle(&mut r.tag_ids, v, on)))}</div>
                </div>
                <div class="actions">
                    <button type="button" class="rule-up" disabled=i == 0 on:click=move |_| swap(i, i.wrapping_sub(1))>{tr("svc-rule-up")}</button>
                    <button type="button" class="rule-down" disabled=i + 1 == count on:click=move |_| swap(i, i + 1)>{tr("svc-rule-down")}</button>
                    <button type="button" class="link remove-rule" on:click=move |_| rules.update(|l| { if i < l.len() { l.remove(i); } })>{tr("svc-rule-remove")}</button>
                </div>
            </fieldset>
        }
    };
    view! {
        <h2>{tr("svc-rules")}</h2>
        <p class="muted">{tr("svc-rules-help")}</p>
        <div id="assignment-rules">
            {move || {
                let list = rules.get();
                let count = list.len();
                list.into_iter().enumerate().map(|(i, r)| row(i, r, count)).collect_view()
            }}
        </div>
        <button type="button" id="add-rule" on:click=add>{tr("svc-add-rule")}</button>
    }
}
