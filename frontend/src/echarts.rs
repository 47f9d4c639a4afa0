//! The bridge to Apache ECharts (DESIGN §6): `echarts.js` loads the library
//! and the map outlines from our origin on first use and draws an option
//! built here as JSON. No chart crate: the options are plain `serde_json`.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::api::ApiError;

#[wasm_bindgen(module = "/src/echarts.js")]
extern "C" {
    fn prepare(map: Option<String>) -> js_sys::Promise;
    fn render(el: &JsValue, option: &str, on_click: &js_sys::Function);
    fn dispose(el: &JsValue);
    #[wasm_bindgen(js_name = savePng)]
    fn save_png(el: &JsValue, name: &str) -> bool;
}

/// Saves the chart drawn in `el` as the PNG file `name`; false when no
/// chart is drawn there.
pub fn png(el: NodeRef<leptos::html::Div>, name: &str) -> bool {
    el.get_untracked().is_some_and(|el| save_png(&el, name))
}

/// One chart in one element: drawn again on every `show`, disposed with the
/// component that made it. Clicks on data items report the item's name.
#[derive(Clone, Copy)]
pub struct Chart {
    on_click: StoredValue<Closure<dyn Fn(String)>, LocalStorage>,
    generation: StoredValue<u32>,
}

impl Chart {
    pub fn new(on_click: impl Fn(String) + 'static, el: NodeRef<leptos::html::Div>) -> Self {
        on_cleanup(move || {
            if let Some(el) = el.get_untracked() {
                dispose(&el);
            }
        });
        Self {
            on_click: StoredValue::new_local(Closure::new(on_click)),
            generation: StoredValue::new(0),
        }
    }

    /// Loads what the chart needs (the library, the outline `map`) and
    /// draws `option` into `el`, unless a later `show` overtook this one.
    pub async fn show(
        self,
        el: NodeRef<leptos::html::Div>,
        map: Option<String>,
        option: String,
    ) -> Result<(), ApiError> {
        self.generation.update_value(|g| *g += 1);
        let mine = self.generation.get_value();
        wasm_bindgen_futures::JsFuture::from(prepare(map))
            .await
            .map_err(|e| ApiError {
                status: 0,
                title: e
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .unwrap_or_else(|| "chart".to_owned()),
                detail: None,
                request_id: None,
                errors: Default::default(),
            })?;
        if self.generation.try_get_value() != Some(mine) {
            return Ok(());
        }
        if let Some(el) = el.get_untracked() {
            self.on_click
                .with_value(|f| render(&el, &option, f.as_ref().unchecked_ref()));
        }
        Ok(())
    }
}
