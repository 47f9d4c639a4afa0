//! Small building blocks every page uses: the error view (problem+json
//! title, detail and request id) for `<ErrorBoundary>`, skeleton rows,
//! empty states, breadcrumbs, toasts, a confirmation dialog, the field
//! error line beside an input, and plain tables and lists of figures.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::tr;

/// What a failed load shows, in place of the content.
#[component]
pub fn ErrorView(error: ApiError) -> impl IntoView {
    let request = error
        .request_id
        .clone()
        .map(|id| view! { <small class="request-id">{tr("request-id")} ": " {id.clone()}</small> });
    view! {
        <div class="error-box" role="alert">
            <strong>{error.title.clone()}</strong>
            {error.detail.clone().map(|d| view! { <p>{d}</p> })}
            {request}
        </div>
    }
}

/// The fallback of an `<ErrorBoundary>`: each error, readable.
pub fn error_fallback(errors: ArcRwSignal<leptos::error::Errors>) -> impl IntoView {
    view! {
        <div class="errors">
            {move || errors.get().into_iter().map(|(_, e)| match e.downcast_ref::<ApiError>() {
                Some(api) => view! { <ErrorView error=api.clone()/> }.into_any(),
                None => view! { <div class="error-box" role="alert"><strong>{e.to_string()}</strong></div> }.into_any(),
            }).collect_view()}
        </div>
    }
}

/// Grey placeholder rows while a list loads.
#[component]
pub fn Skeleton(#[prop(default = 5)] rows: usize) -> impl IntoView {
    view! { <div class="skeleton" aria-busy="true">{(0..rows).map(|_| view! { <div class="skeleton-row"></div> }).collect_view()}</div> }
}

#[component]
pub fn Empty(#[prop(into)] message: Signal<String>) -> impl IntoView {
    view! { <div class="empty"><div class="empty-icon">"∅"</div><p>{message}</p></div> }
}

/// `Customers / 华为` — each crumb but the last is a link.
#[component]
pub fn Breadcrumbs(#[prop(into)] crumbs: Signal<Vec<(String, Option<String>)>>) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="breadcrumb">
            {move || crumbs.get().into_iter().map(|(label, href)| match href {
                Some(href) => view! { <a href=href>{label}</a><span class="sep">"/"</span> }.into_any(),
                None => view! { <span class="current">{label}</span> }.into_any(),
            }).collect_view()}
        </nav>
    }
}

/// The server's (or the form's own) message for one field.
#[component]
pub fn FieldError(
    #[prop(into)] id: String,
    #[prop(into)] message: Signal<Option<String>>,
) -> impl IntoView {
    view! { <span class="field-error" id=id>{Signal::derive(move || message.get().unwrap_or_default())}</span> }
}

#[derive(Clone, Copy, PartialEq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Clone)]
struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
}

/// Short messages in the corner that go away by themselves.
#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn new() -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        }
    }

    pub fn show(self, kind: ToastKind, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|v| {
            v.push(Toast {
                id,
                kind,
                text: text.into(),
            })
        });
        set_timeout(
            move || self.items.update(|v| v.retain(|t| t.id != id)),
            std::time::Duration::from_secs(4),
        );
    }

    pub fn success(self, text: impl Into<String>) {
        self.show(ToastKind::Success, text);
    }

    pub fn error(self, text: impl Into<String>) {
        self.show(ToastKind::Error, text);
    }
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" aria-live="polite">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div class=Signal::derive(move || if toast.kind == ToastKind::Success { "toast success" } else { "toast failure" })>{toast.text.clone()}</div>
            </For>
        </div>
    }
}

/// A modal asking to confirm a destructive action.
#[component]
pub fn Confirm(
    #[prop(into)] open: RwSignal<bool>,
    #[prop(into)] message: Signal<String>,
    on_confirm: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <When when=move || open.get()>
            <div class="modal-backdrop">
                <div class="modal card" role="dialog" aria-modal="true">
                    <p>{Signal::derive(move || message.get())}</p>
                    <div class="actions">
                        <button type="button" on:click=move |_| open.set(false)>{tr("cancel")}</button>
                        <button type="button" id="confirm" class="danger" on:click=move |_| { open.set(false); on_confirm(); }>{tr("confirm")}</button>
                    </div>
                </div>
            </div>
        </When>
    }
}

/// `<Show>` with type-erased children: one copy of the code for every use
/// instead of one per call site (the WASM budget needs it).
#[component]
pub fn When(
    #[prop(into)] when: Signal<bool>,
    children: ChildrenFn,
    #[prop(optional, into)] fallback: ViewFn,
) -> impl IntoView {
    move || {
        if when.get() {
            children()
        } else {
            fallback.run()
        }
    }
}

/// One cell of a `data_table`: text, a link, a colour swatch before it or a
/// share bar (0–1) under it.
#[derive(Default)]
pub struct Cell {
    pub text: String,
    /// `num` for right-aligned figures, `num muted` for shares.
    pub class: &'static str,
    pub href: Option<String>,
    pub swatch: Option<&'static str>,
    pub meter: Option<f64>,
}

impl Cell {
    pub fn num(text: String) -> Self {
        Self {
            text,
            class: "num",
            ..Self::default()
        }
    }
}

/// A compact table of figures (`table.rank`) that scrolls sideways on
/// narrow screens. Each row is `(data-key, selected, cells)`; every table of
/// figures uses this one function, which keeps the WASM small.
pub fn data_table(
    id: &'static str,
    row_class: &'static str,
    heads: Vec<(String, &'static str)>,
    rows: Vec<(String, bool, Vec<Cell>)>,
) -> AnyView {
    let cell = |c: Cell| {
        let text = match c.href {
            Some(href) => view! { <a href=href>{c.text}</a> }.into_any(),
            None => c.text.into_any(),
        };
        view! {
            <td class=c.class>
                {c.swatch.map(|colour| view! { <span class="swatch" style=format!("background:{colour}")></span>" " })}
                {text}
                {c.meter.map(|m| view! { <div class="meter"><div style=format!("width:{:.1}%", m * 100.0)></div></div> })}
            </td>
        }
    };
    view! {
        <div class="scroll-x">
            <table class="rank" id=id>
                <thead><tr>{heads.into_iter().map(|(text, class)| view! { <th class=class>{text}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {rows.into_iter().map(|(key, selected, cells)| view! {
                        <tr class=row_class class:selected=selected data-key=key>{cells.into_iter().map(cell).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Labelled figures in a grid: `(label, value)` pairs.
pub fn figure_list(id: &'static str, class: &'static str, items: Vec<(String, String)>) -> AnyView {
    view! {
        <dl class=class id=id>
            {items.into_iter().map(|(label, value)| view! { <div><dt>{label}</dt><dd>{value}</dd></div> }).collect_view()}
        </dl>
    }
    .into_any()
}
