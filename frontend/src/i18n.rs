//! Languages: the message catalogs (Project Fluent, `locales/*.ftl`,
//! compiled in), the locale choice remembered in this browser (zh-CN by
//! default), and locale-aware numbers, money and dates through the
//! browser's own `Intl` (no formatting tables shipped in the WASM).
//! A key missing from a catalog shows the key and logs a console error,
//! which the browser tests fail on; `tests/catalog.mjs` checks that both
//! catalogs define every key the code uses.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use leptos::prelude::*;
use unic_langid::LanguageIdentifier;

const LOCALE_KEY: &str = "crm.locale";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    ZhCn,
    En,
}

impl Locale {
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Locale::ZhCn => include_str!("../locales/zh-CN.ftl"),
            Locale::En => include_str!("../locales/en.ftl"),
        }
    }

    /// The choice remembered in this browser, zh-CN when none.
    pub fn stored() -> Self {
        let saved = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(LOCALE_KEY).ok().flatten());
        match saved.as_deref() {
            Some("en") => Locale::En,
            _ => Locale::ZhCn,
        }
    }

    /// Remembers the choice and labels the document with it.
    pub fn apply(self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(store) = window.local_storage().ok().flatten() {
            let _ = store.set_item(LOCALE_KEY, self.tag());
        }
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", self.tag());
        }
    }
}

/// Switches between zh-CN and en, remembering the choice.
pub fn toggle_locale(locale: RwSignal<Locale>) {
    let next = if locale.get_untracked() == Locale::ZhCn {
        Locale::En
    } else {
        Locale::ZhCn
    };
    next.apply();
    locale.set(next);
}

fn bundle(locale: Locale) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = locale.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![id]);
    // No Unicode isolation marks around arguments: plain text in the DOM.
    bundle.set_use_isolating(false);
    let resource =
        FluentResource::try_new(locale.source().to_owned()).unwrap_or_else(|(partial, _)| partial);
    let _ = bundle.add_resource(resource);
    bundle
}

thread_local! {
    static BUNDLES: [FluentBundle<FluentResource>; 2] = [bundle(Locale::ZhCn), bundle(Locale::En)];
}

/// The text of message `key` in `locale`, with optional arguments.
pub fn message(locale: Locale, key: &str, args: Option<&FluentArgs>) -> String {
    BUNDLES.with(|bundles| {
        let bundle = &bundles[locale as usize];
        match bundle.get_message(key).and_then(|m| m.value()) {
            Some(pattern) => {
                let mut errors = Vec::new();
                bundle
                    .format_pattern(pattern, args, &mut errors)
                    .into_owned()
            }
            None => {
                web_sys::console::error_1(
                    &format!("missing message {key} in {}", locale.tag()).into(),
                );
                key.to_owned()
            }
        }
    })
}

/// The text of message `key`, or `fallback` when the catalog has none
/// (for labels built from data, such as a custom field's key).
pub fn message_or(locale: Locale, key: &str, fallback: &str) -> String {
    BUNDLES.with(|bundles| {
        let bundle = &bundles[locale as usize];
        match bundle.get_message(key).and_then(|m| m.value()) {
            Some(pattern) => {
                let mut errors = Vec::new();
                bundle
                    .format_pattern(pattern, None, &mut errors)
                    .into_owned()
            }
            None => fallback.to_owned(),
        }
    })
}

pub fn use_locale() -> RwSignal<Locale> {
    expect_context::<RwSignal<Locale>>()
}

/// A reactive translator bound to the app's locale: `t("nav-customers")`.
pub fn use_t() -> impl Fn(&str) -> String + Copy + Send + Sync + 'static {
    let locale = use_locale();
    move |key| message(locale.get(), key, None)
}

/// Translated text that follows the locale, for views and attributes.
/// Every use has this one concrete type, so the WASM carries one copy of the
/// rendering code instead of one per call site (that alone saved ~15 %).
pub fn tr(key: &'static str) -> Signal<String> {
    let locale = use_locale();
    Signal::derive(move || message(locale.get(), key, None))
}

/// The label of a vocabulary value that follows the locale.
pub fn tr_vocab(group: &'static str, value: &'static str) -> Signal<String> {
    let locale = use_locale();
    Signal::derive(move || vocab(locale.get(), group, value))
}

/// A reactive translator with one named argument: `t1("welcome", "name", name)`.
pub fn use_t1() -> impl Fn(&str, &str, String) -> String + Copy + Send + Sync + 'static {
    let locale = use_locale();
    move |key, name, value| {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), FluentValue::from(value));
        message(locale.get(), key, Some(&args))
    }
}

/// The label of a vocabulary value: `label("industry", "technology")`.
pub fn vocab(locale: Locale, group: &str, value: &str) -> String {
    message(
        locale,
        &format!("{group}-{}", value.replace('_', "-")),
        None,
    )
}

fn options(pairs: &[(&str, wasm_bindgen::JsValue)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&object, &(*key).into(), value);
    }
    object
}

fn number_format(locale: Locale, opts: &js_sys::Object) -> js_sys::Intl::NumberFormat {
    let locales = js_sys::Array::of1(&locale.tag().into());
    js_sys::Intl::NumberFormat::new(&locales, opts)
}

fn apply_format(format: &js_sys::Function, value: f64) -> String {
    format
        .call1(&wasm_bindgen::JsValue::NULL, &value.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// 12345 → "12,345".
pub fn number(locale: Locale, value: f64) -> String {
    apply_format(
        &number_format(locale, &js_sys::Object::new()).format(),
        value,
    )
}

/// Minor units and an ISO 4217 code → "¥12,500.00" / "CN¥12,500.00".
pub fn money(locale: Locale, amount_minor: i64, currency: &str) -> String {
    let format = number_format(
        locale,
        &options(&[("style", "currency".into()), ("currency", currency.into())]),
    );
    let digits = fraction_digits(&format);
    apply_format(&format.format(), amount_minor as f64 / 10f64.powf(digits))
}

/// Money without the minor digits, for tables of large sums: "¥1,057,385".
pub fn money_whole(locale: Locale, amount_minor: f64, currency: &str) -> String {
    let currency_opts = || vec![("style", "currency".into()), ("currency", currency.into())];
    let digits = fraction_digits(&number_format(locale, &options(&currency_opts())));
    let mut opts = currency_opts();
    opts.push(("maximumFractionDigits", 0.into()));
    opts.push(("minimumFractionDigits", 0.into()));
    apply_format(
        &number_format(locale, &options(&opts)).format(),
        amount_minor / 10f64.powf(digits),
    )
}

fn fraction_digits(format: &js_sys::Intl::NumberFormat) -> f64 {
    js_sys::Reflect::get(&format.resolved_options(), &"maximumFractionDigits".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(2.0)
}

/// A number with at most `digits` decimals: 3.14159, 1 → "3.1".
pub fn decimal(locale: Locale, value: f64, digits: u32) -> String {
    let opts = options(&[("maximumFractionDigits", digits.into())]);
    apply_format(&number_format(locale, &opts).format(), value)
}

/// Minor units in major units of `currency`: 12550 fen → 125.5.
pub fn major(locale: Locale, amount_minor: f64, currency: &str) -> f64 {
    let format = number_format(
        locale,
        &options(&[("style", "currency".into()), ("currency", currency.into())]),
    );
    amount_minor / 10f64.powf(fraction_digits(&format))
}

/// A share: 0.1234 → "12.3%".
pub fn percent(locale: Locale, ratio: f64) -> String {
    let opts = options(&[
        ("style", "percent".into()),
        ("maximumFractionDigits", 1.into()),
    ]);
    apply_format(&number_format(locale, &opts).format(), ratio)
}

/// A short figure for legends and chart labels: "1235万" / "12M", or with a
/// currency (the value in its minor units) "¥1.1亿" / "CN¥110M".
pub fn compact(locale: Locale, value: f64, currency: Option<&str>) -> String {
    let mut pairs = vec![("notation", "compact".into())];
    let mut value = value;
    if let Some(currency) = currency {
        let plain = number_format(
            locale,
            &options(&[("style", "currency".into()), ("currency", currency.into())]),
        );
        value /= 10f64.powf(fraction_digits(&plain));
        pairs.push(("style", "currency".into()));
        pairs.push(("currency", currency.into()));
    }
    apply_format(&number_format(locale, &options(&pairs)).format(), value)
}

/// An RFC 3339 timestamp as a local date, e.g. "2026年11月23日" / "Nov 23, 2026".
pub fn date(locale: Locale, rfc3339: &str) -> String {
    let when = js_sys::Date::new(&rfc3339.into());
    let opts = options(&[
        ("year", "numeric".into()),
        ("month", "short".into()),
        ("day", "numeric".into()),
    ]);
    when.to_locale_date_string(locale.tag(), &opts).into()
}

/// An RFC 3339 timestamp as local date and time, e.g. "2026年11月23日 14:05".
pub fn datetime(locale: Locale, rfc3339: &str) -> String {
    let when = js_sys::Date::new(&rfc3339.into());
    let opts = options(&[
        ("year", "numeric".into()),
        ("month", "short".into()),
        ("day", "numeric".into()),
        ("hour", "2-digit".into()),
        ("minute", "2-digit".into()),
    ]);
    when.to_locale_string(locale.tag(), &opts).into()
}

/// A role's name: built-in roles (by key) from the catalog, others as named.
pub fn role_name(locale: Locale, key: &str, name: &str) -> String {
    let id = format!("role-{key}");
    let known = BUNDLES.with(|b| b[locale as usize].has_message(&id));
    if known {
        message(locale, &id, None)
    } else {
        name.to_owned()
    }
}
