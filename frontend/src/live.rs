//! Live updates: keeps a `/api/v1/live` stream open while the component
//! that asked lives (reconnecting 3 s after it ends, with a fresh token)
//! and hands over the report objects each change event names. The stream
//! is read by `live.js` with fetch, since `EventSource` cannot send the
//! bearer token.

use crm_api_types::reports::ReportObject;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/live.js")]
extern "C" {
    fn listen(token: &str, on_change: &js_sys::Function) -> js_sys::Array;
    fn stop(controller: &JsValue);
    fn sleep(ms: u32) -> js_sys::Promise;
}

/// Calls `on_change` with the objects of each change in the workspace
/// until the calling component is cleaned up.
pub fn watch(on_change: impl Fn(Vec<ReportObject>) + 'static) {
    let callback = StoredValue::new_local(Closure::<dyn Fn(String)>::new(move |joined: String| {
        let objects = joined
            .split(',')
            .filter_map(|o| ReportObject::parse(o).ok())
            .collect();
        on_change(objects);
    }));
    let controller = StoredValue::new_local(None::<JsValue>);
    on_cleanup(move || {
        if let Some(Some(c)) = controller.try_get_value() {
            stop(&c);
        }
    });
    spawn_local(async move {
        loop {
            if let Ok(token) = crate::api::access_token().await {
                let Some(pair) =
                    callback.try_with_value(|cb| listen(&token, cb.as_ref().unchecked_ref()))
                else {
                    return;
                };
                // Gone meanwhile: the stream just opened is closed again.
                if let Some(Some(opened)) = controller.try_set_value(Some(pair.get(0))) {
                    stop(&opened);
                    return;
                }
                let _ended = JsFuture::from(js_sys::Promise::from(pair.get(1))).await;
            }
            if controller.try_get_value().is_none() {
                return;
            }
            let _slept = JsFuture::from(sleep(3000)).await;
        }
    });
}
