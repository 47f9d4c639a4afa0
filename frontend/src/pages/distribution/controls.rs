//! The Distribution page's controls: what to group by and measure, the
//! time window (presets or two dates) with the comparison toggle, and the
//! industry, lifecycle-stage and owner filters. Each change is a new URL.

use crm_api_types::analytics::DateWindow;
use leptos::prelude::*;

use super::view::{DIMENSIONS, MEASURES, PRESETS, View, preset_window};
use crate::i18n::{tr, use_locale};
use crate::session::use_lookups;
use crate::vocab;

/// `industry_code` → `dim-industry-code` style catalog keys.
pub fn key(prefix: &str, value: &str) -> String {
    format!("{prefix}-{}", value.replace('_', "-"))
}

#[component]
pub fn Controls(
    view: Memo<View>,
    /// The window the server answered for (shown when the URL names none).
    window: Signal<Option<DateWindow>>,
    go: impl Fn(View) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let change = move |edit: fn(&mut View, String)| {
        move |ev: leptos::ev::Event| {
            let mut next = view.get_untracked();
            edit(&mut next, event_target_value(&ev));
            go(next);
        }
    };
    let label = move |prefix: &'static str, value: &'static str| {
        Signal::derive(move || crate::i18n::message(locale.get(), &key(prefix, value), None))
    };
    let date = move |first: bool| {
        move || {
            let v = view.get();
            let own = if first { v.from } else { v.to };
            if own.is_empty() {
                window
                    .get()
                    .map(|w| if first { w.from } else { w.to }.to_string())
                    .unwrap_or_default()
            } else {
                own
            }
        }
    };
    let filter = move |i: usize| move || view.with(|v| v.filters[i].clone());
    let on_filter = move |i: usize| {
        move |ev: leptos::ev::Event| {
            let mut next = view.get_untracked();
            next.filters[i] = event_target_value(&ev);
            go(next);
        }
    };
    view! {
        <div class="dist-controls card" id="dist-controls">
            <label>{tr("dist-dimension")}
                <select id="dimension" on:change=change(|v, value| { v.dimension = value; v.level = "province".to_owned(); v.parent.clear(); })>
                    {DIMENSIONS.iter().map(|d| view! { <option value=*d selected=Signal::derive(move || view.with(|v| v.dimension == *d))>{label("dim", d)}</option> }).collect_view()}
                </select>
            </label>
            <label>{tr("dist-measure")}
                <select id="measure" on:change=change(|v, value| v.measure = value)>
                    {MEASURES.iter().map(|m| view! { <option value=*m selected=Signal::derive(move || view.with(|v| v.measure == *m))>{label("measure", m)}</option> }).collect_view()}
                </select>
            </label>
            <label>{tr("dist-window")}
                <select id="window" on:change=change(|v, value| (v.from, v.to) = preset_window(&value))>
                    {PRESETS.iter().map(|(key, text)| view! { <option value=*key selected=Signal::derive(move || view.with(|v| v.preset() == *key))>{tr(text)}</option> }).collect_view()}
                    <option value="custom" disabled=true selected=Signal::derive(move || view.with(|v| v.preset() == "custom"))>{tr("preset-custom")}</option>
                </select>
            </label>
            <label>{tr("dist-from")}
                <input id="from" type="date" prop:value=date(true) on:change=change(|v, value| v.from = value)/>
            </label>
            <label>{tr("dist-to")}
                <input id="to" type="date" prop:value=date(false) on:change=change(|v, value| v.to = value)/>
            </label>
            <div class="filters">
                <select id="filter-industry" aria-label=tr("filter-any-industry") on:change=on_filter(0)>
                    {vocab::options(vocab::INDUSTRY, tr("filter-any-industry"), filter(0))}
                </select>
                <select id="filter-lifecycle-stage" aria-label=tr("filter-any-stage") on:change=on_filter(1)>
                    {vocab::options(vocab::STAGE, tr("filter-any-stage"), filter(1))}
                </select>
                <select id="filter-owner" aria-label=tr("filter-any-owner") on:change=on_filter(2)>
                    <option value="">{tr("filter-any-owner")}</option>
                    {move || lookups.users.get().into_iter().map(|u| {
                        let id = u.id.to_string();
                        let selected = id.clone();
                        view! { <option value=id selected=Signal::derive(move || filter(2)() == selected)>{u.display_name}</option> }
                    }).collect_view()}
                </select>
                <label class="check compare">
                    <input id="compare" type="checkbox" prop:checked=move || view.with(|v| v.compare)
                        on:change=move |_| { let mut next = view.get_untracked(); next.compare = !next.compare; go(next); }/>
                    {tr("dist-compare")}
                </label>
            </div>
        </div>
    }
}
