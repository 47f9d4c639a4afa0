//! The page for unknown paths.

use leptos::prelude::*;

use crate::i18n::tr;

#[component]
pub fn NotFound() -> impl IntoView {
    view! { <div class="center"><h1>"404"</h1><p>{tr("not-found")}</p><a href="/">{tr("back-home")}</a></div> }
}
