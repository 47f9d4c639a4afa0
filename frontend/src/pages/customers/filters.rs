//! The customer list's filter bar: industry, size, lifecycle stage, owner,
//! tag and a cascading province → city picker. Every choice lives in the
//! URL, so a filtered list can be reloaded, bookmarked and shared.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;

use crate::i18n::{tr, use_locale};
use crate::session::use_lookups;
use crate::vocab::{self, Vocab};

/// The province and city of a region filter (`440300` → `440000`, `440300`).
pub fn split_region(code: &str) -> (String, String) {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return (String::new(), String::new());
    }
    let province = format!("{}0000", &code[..2]);
    let city = if &code[2..4] != "00" {
        format!("{}00", &code[..4])
    } else {
        String::new()
    };
    (province, city)
}

#[component]
pub fn FilterBar(
    query: Memo<ParamsMap>,
    set: impl Fn(&'static str, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let value = move |key: &'static str| move || query.with(|q| q.get(key).unwrap_or_default());
    let select = move |key: &'static str, vocabulary: Vocab, blank: &'static str| {
        view! {
            <select id=format!("filter-{key}") aria-label=tr(blank) on:change=move |ev| set(key, event_target_value(&ev))>
                {vocab::options(vocabulary, tr(blank), value(key))}
            </select>
        }
    };
    let region =
        Memo::new(move |_| split_region(&query.with(|q| q.get("region").unwrap_or_default())));
    let on_province = move |ev: leptos::ev::Event| set("region", event_target_value(&ev));
    let on_city = move |ev: leptos::ev::Event| {
        let city = event_target_value(&ev);
        set(
            "region",
            if city.is_empty() {
                region.get_untracked().0
            } else {
                city
            },
        );
    };
    view! {
        <div class="filters" id="filters">
            {select("industry", vocab::INDUSTRY, "filter-any-industry")}
            {select("size_band", vocab::SIZE, "filter-any-size")}
            {select("lifecycle_stage", vocab::STAGE, "filter-any-stage")}
            <select id="filter-owner" aria-label=tr("filter-any-owner") on:change=move |ev| set("owner_id", event_target_value(&ev))>
                <option value="">{tr("filter-any-owner")}</option>
                {move || lookups.users.get().into_iter().map(|u| {
                    let id = u.id.to_string();
                    let selected = id.clone();
                    view! { <option value=id selected=Signal::derive(move || value("owner_id")() == selected)>{u.display_name}</option> }
                }).collect_view()}
            </select>
            <select id="filter-tag" aria-label=tr("filter-any-tag") on:change=move |ev| set("tag_id", event_target_value(&ev))>
                <option value="">{tr("filter-any-tag")}</option>
                {move || lookups.tags.get().into_iter().map(|tag| {
                    let id = tag.id.to_string();
                    let selected = id.clone();
                    view! { <option value=id selected=Signal::derive(move || value("tag_id")() == selected)>{tag.name}</option> }
                }).collect_view()}
            </select>
            <select id="filter-province" aria-label=tr("filter-any-province") on:change=on_province>
                <option value="">{tr("filter-any-province")}</option>
                {move || lookups.regions.with(|r| r.provinces.clone()).into_iter().map(|p| {
                    let code = p.code.clone();
                    let name = if locale.get() == crate::i18n::Locale::ZhCn { p.name_zh } else { p.name_en };
                    view! { <option value=p.code selected=Signal::derive(move || region.get().0 == code)>{name}</option> }
                }).collect_view()}
            </select>
            <select id="filter-city" aria-label=tr("filter-any-city") on:change=on_city disabled=Signal::derive(move || region.get().0.is_empty())>
                <option value="">{tr("filter-any-city")}</option>
                {move || {
                    let province = region.get().0;
                    lookups.regions.with(|r| r.cities_of(&province).cloned().collect::<Vec<_>>()).into_iter().map(|c| {
                        let code = c.code.clone();
                        let name = if locale.get() == crate::i18n::Locale::ZhCn { c.name_zh } else { c.name_en };
                        view! { <option value=c.code selected=Signal::derive(move || region.get().1 == code)>{name}</option> }
                    }).collect_view()
                }}
            </select>
        </div>
    }
}
