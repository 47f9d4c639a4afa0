//! The ranked table beside the chart: each group's name (a link one level
//! down where the map can drill), value, share with a bar, and the change
//! against the previous period when comparing.

use leptos::prelude::*;

use super::figures::{Format, Row};
use crate::i18n::{self, tr};

#[component]
pub fn Ranking(
    rows: Memo<Vec<Row>>,
    format: Memo<Option<Format>>,
    #[prop(into)] dimension: Signal<String>,
    #[prop(into)] measure: Signal<String>,
    /// The address one level down for a group key, where there is one.
    drill: impl Fn(&str) -> Option<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let has_share = move || rows.with(|r| r.iter().any(|r| r.share.is_some()));
    let has_change = move || rows.with(|r| r.iter().any(|r| r.change.is_some()));
    let top = move || rows.with(|r| r.iter().map(|r| r.value).fold(0.0, f64::max));
    let row_view = move |(i, row): (usize, Row)| {
        let Some(format) = format.get() else {
            return ().into_any();
        };
        let href = row.key.as_deref().and_then(drill);
        let name = match href {
            Some(href) => view! { <a class="drill" href=href>{row.name.clone()}</a> }.into_any(),
            None => view! { <span>{row.name.clone()}</span> }.into_any(),
        };
        let width = if top() > 0.0 {
            row.value / top() * 100.0
        } else {
            0.0
        };
        let share = row
            .share
            .map(|s| i18n::percent(format.locale, s))
            .unwrap_or_default();
        let change = row.change.map(|c| format.change(c, row.change_ratio));
        view! {
            <tr class="group" data-key=row.key.clone().unwrap_or_default()>
                <td class="rank-no">{i + 1}</td>
                <td class="rank-name">{name}<div class="meter"><div style=format!("width:{width:.1}%")></div></div></td>
                <td class="num">{format.value(row.value)}</td>
                {has_share().then(|| view! { <td class="num muted">{share}</td> })}
                {has_change().then(|| match change {
                    Some((text, good)) => view! { <td class=if good { "num change good" } else { "num change bad" }>{text}</td> }.into_any(),
                    None => view! { <td class="num"></td> }.into_any(),
                })}
            </tr>
        }
        .into_any()
    };
    view! {
        <table class="rank" id="ranking">
            <thead><tr>
                <th class="rank-no">{tr("dist-rank")}</th>
                <th>{dimension}</th>
                <th class="num">{measure}</th>
                {move || has_share().then(|| view! { <th class="num">{tr("dist-share")}</th> })}
                {move || has_change().then(|| view! { <th class="num">{tr("dist-change")}</th> })}
            </tr></thead>
            <tbody>
                {move || rows.get().into_iter().enumerate().map(row_view).collect_view()}
            </tbody>
        </table>
    }
}
