//! Sharing a report or dashboard with chosen roles and teams besides the
//! whole workspace (a team's share reaches the teams below it): the
//! picker, from `GET /reports/share-targets`, and who a shared definition
//! reaches — the same rule the server applies (`crm_domain::sharing`), so
//! a delivery offers only recipients who may see what it sends.

use crm_api_types::access::User;
use crm_api_types::reports::{Audience, Reader, ShareTargets, TeamNode};
use leptos::prelude::*;
use uuid::Uuid;

use crate::i18n::{message, tr, use_locale};
use crate::load::Load;

/// The team tree of the share targets.
pub fn tree(targets: &ShareTargets) -> Vec<TeamNode> {
    targets
        .teams
        .iter()
        .map(|t| TeamNode {
            id: t.id,
            parent: t.parent_id,
            manager: t.manager_id,
        })
        .collect()
}

/// Whether `user` sees a definition `owner` saved for `audience`.
pub fn reaches(
    audience: &Audience,
    owner: Option<Uuid>,
    user: &User,
    targets: Option<&ShareTargets>,
) -> bool {
    let tree = targets.map(tree).unwrap_or_default();
    audience.admits(
        owner,
        &Reader::new(user.id, user.role_id, user.team_id, &tree),
    )
}

pub fn targets() -> Load<ShareTargets> {
    Load::<ShareTargets>::new(|| "/api/v1/reports/share-targets".to_owned())
}

/// Checkboxes for the roles and teams a definition is shared with, folded
/// under a summary that counts them; `data-share-role` holds a role's key,
/// `data-share-team` a team's name.
#[component]
pub fn SharePicker(
    id: &'static str,
    roles: RwSignal<Vec<Uuid>>,
    teams: RwSignal<Vec<Uuid>>,
    #[prop(into)] enabled: Signal<bool>,
) -> impl IntoView {
    let locale = use_locale();
    let targets = targets();
    let toggle = |list: RwSignal<Vec<Uuid>>, id: Uuid, on: bool| {
        list.update(|l| {
            l.retain(|x| *x != id);
            if on {
                l.push(id);
            }
        })
    };
    let summary = move || {
        let (r, t) = (roles.with(Vec::len), teams.with(Vec::len));
        if r + t == 0 {
            message(locale.get(), "sh-none", None)
        } else {
            let mut args = fluent_bundle::FluentArgs::new();
            args.set("roles", r);
            args.set("teams", t);
            message(locale.get(), "sh-count", Some(&args))
        }
    };
    view! {
        <details class="share-picker" id=id>
            <summary>{tr("sh-title")}": "{summary}</summary>
            {move || targets.get().and_then(|t| t.ok()).map(|t| view! {
                <fieldset>
                    <legend>{tr("sh-roles")}</legend>
                    {t.roles.into_iter().map(|r| {
                        let id = r.id;
                        view! {
                            <label class="check">
                                <input type="checkbox" data-share-role=r.key.clone() prop:disabled=move || !enabled.get()
                                    prop:checked=move || roles.with(|c| c.contains(&id))
                                    on:change=move |ev| toggle(roles, id, event_target_checked(&ev))/>
                                {r.name.clone()}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <fieldset>
                    <legend>{tr("sh-teams")}</legend>
                    {t.teams.into_iter().map(|team| {
                        let id = team.id;
                        view! {
                            <label class="check">
                                <input type="checkbox" data-share-team=team.name.clone() prop:disabled=move || !enabled.get()
                                    prop:checked=move || teams.with(|c| c.contains(&id))
                                    on:change=move |ev| toggle(teams, id, event_target_checked(&ev))/>
                                {team.name.clone()}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <p class="hint">{tr("sh-hint")}</p>
            })}
        </details>
    }
}
