//! Creating and editing a customer: one form, client-side checks for the
//! obvious mistakes, and the server's field errors shown beside each field.
//! An edit sends `If-Match`; a 412 says someone else changed the record.

use std::collections::BTreeMap;

use crm_api_types::Page;
use crm_api_types::custom_fields::CustomFieldDef;
use crm_api_types::customers::Customer;
use crm_api_types::domain::custom_field::FieldType;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::api::ApiError;
use crate::components::{Breadcrumbs, FieldError, Skeleton, When, error_fallback, use_toasts};
use crate::i18n::{Locale, tr, use_locale, use_t, use_t1};
use crate::load::Load;
use crate::session::use_lookups;
use crate::vocab;

/// Every input of the form, as text the user typed.
#[derive(Clone, Copy)]
struct Fields {
    kind: RwSignal<String>,
    name: RwSignal<String>,
    external_id: RwSignal<String>,
    industry: RwSignal<String>,
    size_band: RwSignal<String>,
    employee_count: RwSignal<String>,
    revenue: RwSignal<String>,
    currency: RwSignal<String>,
    email: RwSignal<String>,
    phone: RwSignal<String>,
    website: RwSignal<String>,
    province: RwSignal<String>,
    city: RwSignal<String>,
    address: RwSignal<String>,
    gender: RwSignal<String>,
    birth_date: RwSignal<String>,
    source: RwSignal<String>,
    lifecycle_stage: RwSignal<String>,
    owner_id: RwSignal<String>,
    tag_ids: RwSignal<Vec<Uuid>>,
    custom: RwSignal<Map<String, Value>>,
}

fn text(value: Option<impl ToString>) -> RwSignal<String> {
    RwSignal::new(value.map(|v| v.to_string()).unwrap_or_default())
}

impl Fields {
    fn new(c: Option<&Customer>) -> Self {
        let revenue = c.and_then(|c| c.annual_revenue.as_ref());
        Self {
            kind: RwSignal::new(c.map_or("organization", |c| c.kind.as_str()).to_owned()),
            name: text(c.map(|c| &c.name)),
            external_id: text(c.and_then(|c| c.external_id.as_ref())),
            industry: text(c.and_then(|c| c.industry)),
            size_band: text(c.and_then(|c| c.size_band)),
            employee_count: text(c.and_then(|c| c.employee_count)),
            revenue: text(
                revenue.map(|m| format!("{}.{:02}", m.amount_minor / 100, m.amount_minor % 100)),
            ),
            currency: RwSignal::new(revenue.map_or("CNY", |m| m.currency.as_str()).to_owned()),
            email: text(c.and_then(|c| c.email.as_ref())),
            phone: text(c.and_then(|c| c.phone.as_ref())),
            website: text(c.and_then(|c| c.website.as_ref())),
            province: text(c.and_then(|c| c.province_code.as_ref())),
            city: text(c.and_then(|c| c.city_code.as_ref())),
            address: text(c.and_then(|c| c.address.as_ref())),
            gender: text(c.and_then(|c| c.gender)),
            birth_date: text(c.and_then(|c| c.birth_date)),
            source: text(c.and_then(|c| c.source)),
            lifecycle_stage: text(c.and_then(|c| c.lifecycle_stage)),
            owner_id: text(c.and_then(|c| c.owner_id)),
            tag_ids: RwSignal::new(
                c.map(|c| c.tags.iter().map(|t| t.id).collect())
                    .unwrap_or_default(),
            ),
            custom: RwSignal::new(c.map(|c| c.custom_fields.clone()).unwrap_or_default()),
        }
    }

    /// The obvious mistakes, caught before a round trip (catalog keys).
    fn check(&self) -> BTreeMap<String, Vec<String>> {
        let mut errors = BTreeMap::new();
        let mut add = |field: &str, key: &str| {
            errors
                .entry(field.to_owned())
                .or_insert_with(Vec::new)
                .push(key.to_owned());
        };
        let name = self.name.get_untracked();
        if name.trim().is_empty() {
            add("name", "check-required");
        } else if name.chars().count() > 200 {
            add("name", "check-too-long");
        }
        let email = self.email.get_untracked();
        if !email.trim().is_empty() && !email.contains('@') {
            add("email", "check-email");
        }
        let phone = self.phone.get_untracked();
        if !phone.trim().is_empty()
            && !phone
                .trim()
                .chars()
                .all(|c| c.is_ascii_digit() || "+- ()".contains(c))
        {
            add("phone", "check-phone");
        }
        let count = self.employee_count.get_untracked();
        if !count.trim().is_empty() && count.trim().parse::<u32>().is_err() {
            add("employee_count", "check-whole-number");
        }
        if self.revenue_minor().is_err() {
            add("annual_revenue", "check-amount");
        }
        errors
    }

    /// "12500.5" → 1250050 minor units; empty → no amount.
    fn revenue_minor(&self) -> Result<Option<i64>, ()> {
        let raw = self.revenue.get_untracked().replace([',', ' '], "");
        if raw.is_empty() {
            return Ok(None);
        }
        let value: f64 = raw.parse().map_err(|_| ())?;
        if !(0.0..9.0e15).contains(&value) {
            return Err(());
        }
        Ok(Some((value * 100.0).round() as i64))
    }

    /// The request body; empty inputs are `null` (which clears on PATCH).
    fn body(&self) -> Value {
        let opt = |s: RwSignal<String>| {
            let v = s.get_untracked();
            if v.trim().is_empty() {
                Value::Null
            } else {
                json!(v.trim())
            }
        };
        let revenue = match self.revenue_minor() {
            Ok(Some(minor)) => {
                json!({"amount_minor": minor, "currency": self.currency.get_untracked().trim().to_uppercase()})
            }
            _ => Value::Null,
        };
        let employees = self
            .employee_count
            .get_untracked()
            .trim()
            .parse::<i64>()
            .map_or(Value::Null, |n| json!(n));
        let province = opt(self.province);
        let person = self.kind.get_untracked() == "person";
        json!({
            "kind": self.kind.get_untracked(),
            "name": self.name.get_untracked().trim(),
            "external_id": opt(self.external_id),
            "industry": opt(self.industry),
            "size_band": opt(self.size_band),
            "employee_count": employees,
            "annual_revenue": revenue,
            "email": opt(self.email),
            "phone": opt(self.phone),
            "website": opt(self.website),
            "country_code": if province.is_null() { Value::Null } else { json!("CN") },
            "province_code": province,
            "city_code": opt(self.city),
            "address": opt(self.address),
            "gender": if person { opt(self.gender) } else { Value::Null },
            "birth_date": if person { opt(self.birth_date) } else { Value::Null },
            "source": opt(self.source),
            "lifecycle_stage": opt(self.lifecycle_stage),
            "owner_id": opt(self.owner_id),
            "tag_ids": self.tag_ids.get_untracked(),
            "custom_fields": self.custom.get_untracked(),
        })
    }
}

#[component]
pub fn NewCustomer() -> impl IntoView {
    let t = use_t();
    let crumbs = Signal::derive(move || {
        vec![
            (t("nav-customers"), Some("/customers".to_owned())),
            (t("new-customer"), None),
        ]
    });
    view! {
        <Breadcrumbs crumbs=crumbs/>
        <h1 id="page-title">{tr("new-customer")}</h1>
        <CustomerForm existing=None/>
    }
}

#[component]
pub fn EditCustomer() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok()));
    let customer = Load::<Customer>::new(move || {
        format!(
            "/api/v1/customers/{}",
            id().map(|id| id.to_string())
                .unwrap_or_else(|| "-".to_owned())
        )
    });
    view! {
        <ErrorBoundary fallback=error_fallback>
            {move || match customer.get() {
                None => Ok(view! { <Skeleton rows=8/> }.into_any()),
                Some(Err(err)) => Err(err),
                Some(Ok(c)) => {
                        let crumbs = vec![
                            (t("nav-customers"), Some("/customers".to_owned())),
                            (c.name.clone(), Some(format!("/customers/{}", c.id))),
                            (t("edit"), None),
                        ];
                        Ok(view! {
                            <Breadcrumbs crumbs=crumbs/>
                            <h1 id="page-title">{c.name.clone()}</h1>
                            <CustomerForm existing=Some(c)/>
                        }.into_any())
                }
            }}
        </ErrorBoundary>
    }
}

#[component]
fn CustomerForm(existing: Option<Customer>) -> impl IntoView {
    let t = use_t();
    let t1 = use_t1();
    let locale = use_locale();
    let lookups = use_lookups();
    let toasts = use_toasts();
    let f = Fields::new(existing.as_ref());
    let target = existing.as_ref().map(|c| (c.id, c.version));
    let failure = RwSignal::new(None::<ApiError>);
    let local = RwSignal::new(BTreeMap::<String, Vec<String>>::new());
    let stale = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let defs =
        Load::<Page<CustomFieldDef>>::new(|| "/api/v1/custom-fields?entity=customer".to_owned());
    // Our own check first (translated), else the server's message.
    let error = move |field: String| {
        Signal::derive(move || {
            local
                .with(|l| l.get(&field).and_then(|m| m.first()).map(|key| t(key)))
                .or_else(|| failure.with(|e| e.as_ref().and_then(|e| e.field(&field))))
        })
    };
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let navigate = navigate.clone();
        let checked = f.check();
        let clean = checked.is_empty();
        local.set(checked);
        if !clean {
            return;
        }
        let body = f.body();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = match target {
                Some((id, version)) => {
                    crate::api::patch::<Customer, _>(
                        &format!("/api/v1/customers/{id}"),
                        &body,
                        version,
                    )
                    .await
                }
                None => crate::api::post::<Customer, _>("/api/v1/customers", &body).await,
            };
            busy.set(false);
            match result {
                Ok(saved) => {
                    toasts.success(t1("customer-saved", "name", saved.name.clone()));
                    navigate(&format!("/customers/{}", saved.id), Default::default());
                }
                Err(err) if err.is_stale() => stale.set(true),
                Err(err) => {
                    if err.errors.is_empty() {
                        toasts.error(err.to_string());
                    }
                    failure.set(Some(err));
                }
            }
        });
    };
    let cancel_href = target.map_or_else(
        || "/customers".to_owned(),
        |(id, _)| format!("/customers/{id}"),
    );
    let input = move |id: &'static str,
                      label: &'static str,
                      field: &'static str,
                      signal: RwSignal<String>,
                      kind: &'static str| {
        view! {
            <label>{tr(label)}
                <input id=id type=kind bind:value=signal aria-invalid=Signal::derive(move || error(field.to_owned()).get().is_some().to_string())/>
                <FieldError id=format!("{id}-error") message=error(field.to_owned())/>
            </label>
        }
    };
    let select = move |id: &'static str,
                       label: &'static str,
                       field: &'static str,
                       signal: RwSignal<String>,
                       vocabulary: vocab::Vocab| {
        view! {
            <label>{tr(label)}
                <select id=id on:change=move |ev| signal.set(event_target_value(&ev))>
                    {vocab::options(vocabulary, Signal::stored("—".to_owned()), move || signal.get())}
                </select>
                <FieldError id=format!("{id}-error") message=error(field.to_owned())/>
            </label>
        }
    };
    let region_name = move |r: &crm_api_types::regions::Region| {
        if locale.get() == Locale::ZhCn {
            r.name_zh.clone()
        } else {
            r.name_en.clone()
        }
    };

    view! {
        <When when=move || stale.get()>
            <div class="error-box" id="stale" role="alert">
                <strong>{tr("stale-title")}</strong>
                <p>{tr("stale-detail")}</p>
                <button type="button" on:click=move |_| { let _ = web_sys::window().map(|w| w.location().reload()); }>{tr("reload")}</button>
            </div>
        </When>
        <form class="card form customer-form" id="customer-form" on:submit=submit novalidate>
            <fieldset>
                <legend>{tr("section-basics")}</legend>
                <label>{tr("field-kind")}
                    <select id="kind" on:change=move |ev| f.kind.set(event_target_value(&ev))>
                        {crm_api_types::domain::customer::CustomerKind::ALL.iter().map(|k| {
                            let value = k.as_str();
                            view! { <option value=value selected=Signal::derive(move || f.kind.get() == value)>{crate::i18n::tr_vocab("kind", value)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {input("name", "field-name", "name", f.name, "text")}
                {select("industry", "field-industry", "industry", f.industry, vocab::INDUSTRY)}
                {select("size-band", "field-size-band", "size_band", f.size_band, vocab::SIZE)}
                {select("lifecycle-stage", "field-lifecycle-stage", "lifecycle_stage", f.lifecycle_stage, vocab::STAGE)}
                {select("source", "field-source", "source", f.source, vocab::SOURCE)}
                {input("employee-count", "field-employee-count", "employee_count", f.employee_count, "text")}
                <div class="money">
                    {input("annual-revenue", "field-annual-revenue", "annual_revenue", f.revenue, "text")}
                    <label class="currency">{tr("field-currency")}<input id="currency" maxlength="3" bind:value=f.currency/></label>
                </div>
                <label>{tr("field-owner")}
                    <select id="owner" on:change=move |ev| f.owner_id.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || lookups.users.get().into_iter().filter(|u| u.active).map(|u| {
                            let id = u.id.to_string();
                            let selected = id.clone();
                            view! { <option value=id selected=Signal::derive(move || f.owner_id.get() == selected)>{u.display_name}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError id="owner-error" message=error("owner_id".to_owned())/>
                </label>
                {input("external-id", "field-external-id", "external_id", f.external_id, "text")}
            </fieldset>
            <fieldset>
                <legend>{tr("section-contact")}</legend>
                {input("customer-email", "field-email", "email", f.email, "email")}
                {input("phone", "field-phone", "phone", f.phone, "tel")}
                {input("website", "field-website", "website", f.website, "text")}
                <label>{tr("field-province")}
                    <select id="province" on:change=move |ev| { f.province.set(event_target_value(&ev)); f.city.set(String::new()); }>
                        <option value="">"—"</option>
                        {move || lookups.regions.with(|r| r.provinces.clone()).into_iter().map(|p| {
                            let code = p.code.clone();
                            view! { <option value=p.code.clone() selected=Signal::derive(move || f.province.get() == code)>{region_name(&p)}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError id="province-error" message=error("province_code".to_owned())/>
                </label>
                <label>{tr("field-city")}
                    <select id="city" on:change=move |ev| f.city.set(event_target_value(&ev)) disabled=Signal::derive(move || f.province.get().is_empty())>
                        <option value="">"—"</option>
                        {move || {
                            let province = f.province.get();
                            lookups.regions.with(|r| r.cities_of(&province).cloned().collect::<Vec<_>>()).into_iter().map(|c| {
                                let code = c.code.clone();
                                view! { <option value=c.code.clone() selected=Signal::derive(move || f.city.get() == code)>{region_name(&c)}</option> }
                            }).collect_view()
                        }}
                    </select>
                    <FieldError id="city-error" message=error("city_code".to_owned())/>
                </label>
                {input("address", "field-address", "address", f.address, "text")}
                <When when=move || f.kind.get() == "person">
                    {select("gender", "field-gender", "gender", f.gender, vocab::GENDER)}
                    {input("birth-date", "field-birth-date", "birth_date", f.birth_date, "date")}
                </When>
            </fieldset>
            <fieldset>
                <legend>{tr("section-tags")}</legend>
                <div class="tag-picker">
                    {move || lookups.tags.get().into_iter().map(|tag| {
                        let id = tag.id;
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=Signal::derive(move || f.tag_ids.with(|v| v.contains(&id)))
                                    on:change=move |_| f.tag_ids.update(|v| if v.contains(&id) { v.retain(|x| *x != id) } else { v.push(id) })/>
                                {tag.name}
                            </label>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            <When when=move || !defs.items().is_empty()>
                <fieldset>
                    <legend>{tr("section-custom-fields")}</legend>
                    {move || defs.items().into_iter().map(|def| view! { <CustomInput def=def values=f.custom error=error/> }).collect_view()}
                </fieldset>
            </When>
            <div class="actions">
                <a class="button" href=cancel_href>{tr("cancel")}</a>
                <button id="save" type="submit" class="primary" disabled=Signal::derive(move || busy.get())>{tr("save")}</button>
            </div>
        </form>
    }
}

/// One custom field's input, by its type.
#[component]
pub(crate) fn CustomInput(
    def: CustomFieldDef,
    values: RwSignal<Map<String, Value>>,
    error: impl Fn(String) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let key = StoredValue::new(def.key.clone());
    let id = format!("cf-{}", def.key);
    let message = error(format!("custom_fields.{}", def.key));
    let current = move || {
        values
            .with(|v| key.with_value(|k| v.get(k).cloned()))
            .unwrap_or(Value::Null)
    };
    let set = move |value: Value| {
        values.update(|v| {
            key.with_value(|k| {
                v.insert(k.clone(), value);
            })
        })
    };
    let as_text = move || match current() {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let label = format!("{}{}", def.label, if def.required { " *" } else { "" });
    let control = match def.field_type {
        FieldType::Boolean => view! {
            <input id=id.clone() type="checkbox" prop:checked=Signal::derive(move || current() == Value::Bool(true)) on:change=move |ev| set(json!(event_target_checked(&ev)))/>
        }.into_any(),
        FieldType::Number => view! {
            <input id=id.clone() type="number" step="any" prop:value=as_text on:change=move |ev| {
                let raw = event_target_value(&ev);
                set(raw.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number));
            }/>
        }.into_any(),
        FieldType::Date => view! {
            <input id=id.clone() type="date" prop:value=as_text on:change=move |ev| { let raw = event_target_value(&ev); set(if raw.is_empty() { Value::Null } else { json!(raw) }); }/>
        }.into_any(),
        FieldType::SingleSelect => {
            let options = def.options.clone();
            view! {
                <select id=id.clone() on:change=move |ev| { let raw = event_target_value(&ev); set(if raw.is_empty() { Value::Null } else { json!(raw) }); }>
                    <option value="">"—"</option>
                    {options.into_iter().map(|o| { let (value, label) = (o.clone(), o.clone()); view! { <option value=o selected=Signal::derive(move || as_text() == value)>{label}</option> } }).collect_view()}
                </select>
            }.into_any()
        }
        FieldType::MultiSelect => {
            let options = def.options.clone();
            view! {
                <div class="tag-picker" id=id.clone()>
                    {options.into_iter().map(|o| {
                        let option = StoredValue::new(o.clone());
                        let chosen = move || match current() { Value::Array(items) => items.iter().any(|i| option.with_value(|o| i.as_str() == Some(o.as_str()))), _ => false };
                        let toggle = move |_| {
                            let mut items: Vec<Value> = match current() { Value::Array(items) => items, _ => Vec::new() };
                            let value = json!(option.get_value());
                            if items.contains(&value) { items.retain(|i| *i != value) } else { items.push(value) }
                            set(Value::Array(items));
                        };
                        view! { <label class="check"><input type="checkbox" prop:checked=chosen on:change=toggle/>{o}</label> }
                    }).collect_view()}
                </div>
            }.into_any()
        }
        _ => view! {
            <input id=id.clone() type="text" prop:value=as_text on:change=move |ev| { let raw = event_target_value(&ev); set(if raw.trim().is_empty() { Value::Null } else { json!(raw) }); }/>
        }.into_any(),
    };
    view! {
        <label>{label}{control}<FieldError id=format!("{id}-error") message=message/></label>
    }
}
