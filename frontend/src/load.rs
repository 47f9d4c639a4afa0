//! API data in a signal: fetched when created (and again when the path it
//! tracks changes, or on `refetch`), `None` while the first answer is on its
//! way (`loading` tells when a newer answer is awaited). Lighter than Leptos
//! resources for this app: a signal and one task, which keeps the WASM
//! inside its budget. Late answers to superseded requests are dropped.

use crm_api_types::Page;
use leptos::prelude::*;
use serde::de::DeserializeOwned;

use crate::api::ApiError;

pub struct Load<T: Send + Sync + 'static> {
    state: RwSignal<Option<Result<T, ApiError>>>,
    trigger: RwSignal<u32>,
    loading: RwSignal<bool>,
}

impl<T: Send + Sync + 'static> Clone for Load<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Load<T> {}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> Load<T> {
    /// Loads `path()`, and again whenever the signals it reads change.
    pub fn new(path: impl Fn() -> String + Send + Sync + 'static) -> Self {
        let state = RwSignal::new(None);
        let trigger = RwSignal::new(0u32);
        let loading = RwSignal::new(true);
        let generation = StoredValue::new(0u32);
        Effect::new(move |_| {
            trigger.track();
            let path = path();
            generation.update_value(|g| *g += 1);
            let mine = generation.get_value();
            loading.set(true);
            leptos::task::spawn_local(async move {
                let result = crate::api::get::<T>(&path).await;
                if generation.try_get_value() == Some(mine) {
                    state.set(Some(result));
                    loading.set(false);
                }
            });
        });
        Self {
            state,
            trigger,
            loading,
        }
    }

    /// Whether an answer is awaited (tracked).
    pub fn loading(&self) -> bool {
        self.loading.get()
    }

    /// The answer so far (tracked).
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.state.get()
    }

    /// Reads the answer so far without cloning it (tracked).
    pub fn with<R>(&self, f: impl FnOnce(&Option<Result<T, ApiError>>) -> R) -> R {
        self.state.with(f)
    }

    /// `f` of the answer when it is a success (tracked).
    pub fn ok_with<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        self.state
            .with(|s| s.as_ref().and_then(|r| r.as_ref().ok()).map(f))
    }

    pub fn refetch(&self) {
        self.trigger.update(|n| *n += 1);
    }
}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> Load<Page<T>> {
    /// The loaded items, empty while loading or after an error.
    pub fn items(&self) -> Vec<T> {
        self.state.with(|s| {
            s.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|p| p.items.clone())
                .unwrap_or_default()
        })
    }
}

/// A keyset-paged list: the first page whenever `path()` changes, then
/// "load more" on the cursor. `path` already carries its query (`?limit=…`).
pub struct Paged<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    pub cursor: RwSignal<Option<String>>,
    pub loading: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
    path: StoredValue<String>,
    generation: StoredValue<u32>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> Paged<T> {
    pub fn new(path: impl Fn() -> String + Send + Sync + 'static) -> Self {
        let this = Self {
            items: RwSignal::new(Vec::new()),
            cursor: RwSignal::new(None),
            loading: RwSignal::new(true),
            error: RwSignal::new(None),
            path: StoredValue::new(String::new()),
            generation: StoredValue::new(0),
        };
        Effect::new(move |_| {
            this.path.set_value(path());
            this.fetch(false);
        });
        this
    }

    pub fn load_more(self) {
        self.fetch(true);
    }

    /// The first page again (after a change to what the list shows).
    pub fn reload(self) {
        self.fetch(false);
    }

    fn fetch(self, more: bool) {
        let mut path = self.path.get_value();
        if more {
            match self.cursor.get_untracked() {
                Some(c) => path.push_str(&format!("&cursor={}", crate::api::encode(&c))),
                None => return,
            }
        }
        // Answers to superseded requests (the user typed on) are dropped.
        self.generation.update_value(|g| *g += 1);
        let mine = self.generation.get_value();
        self.loading.set(true);
        leptos::task::spawn_local(async move {
            let result = crate::api::get::<Page<T>>(&path).await;
            if self.generation.try_get_value() != Some(mine) {
                return;
            }
            match result {
                Ok(page) => {
                    if more {
                        self.items.update(|v| v.extend(page.items));
                    } else {
                        self.items.set(page.items);
                    }
                    self.cursor.set(page.next_cursor);
                    self.error.set(None);
                }
                Err(err) => self.error.set(Some(err)),
            }
            self.loading.set(false);
        });
    }
}
