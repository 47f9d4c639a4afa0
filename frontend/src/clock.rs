//! The browser's clock and time zone: the start of a local day as an
//! instant, and the `datetime-local` inputs' values to and from RFC 3339.
//! (`chrono::Utc::now` has no clock on wasm32; `Date` has the user's zone.)

/// The start of the local day `days` after today (0: today), as RFC 3339 UTC.
pub fn day_start(days: u32) -> String {
    let d = js_sys::Date::new_0();
    d.set_hours(0);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    d.set_date(d.get_date() + days);
    String::from(d.to_iso_string())
}

/// The start of next week's Monday, local time, as RFC 3339 UTC.
pub fn next_week() -> String {
    let weekday = js_sys::Date::new_0().get_day(); // 0 = Sunday
    day_start((8 - weekday) % 7 + if weekday == 1 { 7 } else { 0 })
}

/// Now, as RFC 3339 UTC.
pub fn now() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// A `datetime-local` value (local wall time) as RFC 3339 UTC; `None` when empty or unreadable.
pub fn from_local(value: &str) -> Option<String> {
    if value.trim().is_empty() {
        return None;
    }
    let d = js_sys::Date::new(&value.into());
    d.get_time()
        .is_finite()
        .then(|| String::from(d.to_iso_string()))
}

/// An RFC 3339 instant as a `datetime-local` value in local time.
pub fn to_local(rfc3339: &str) -> String {
    let d = js_sys::Date::new(&rfc3339.into());
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// `hours` from now at the top of the hour, as a `datetime-local` value.
pub fn local_in_hours(hours: u32) -> String {
    let d = js_sys::Date::new_0();
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_hours(d.get_hours() + hours);
    to_local(&String::from(d.to_iso_string()))
}

/// An RFC 3339 instant in milliseconds since the epoch (NaN when unreadable).
pub fn millis(rfc3339: &str) -> f64 {
    js_sys::Date::new(&rfc3339.into()).get_time()
}
