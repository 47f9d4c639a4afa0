//! The closed vocabularies of the customer master as `<select>` options,
//! labelled from the catalog (`industry-technology = 信息技术`).

use crm_api_types::domain::analytics::RfmSegment;
use crm_api_types::domain::customer::{
    CustomerKind, Gender, Industry, LifecycleStage, SizeBand, Source,
};
use leptos::prelude::*;

use crate::i18n::{use_locale, vocab};

/// A vocabulary: its catalog group and its wire values.
#[derive(Clone, Copy)]
pub struct Vocab {
    pub group: &'static str,
    pub values: fn() -> Vec<&'static str>,
}

pub const KIND: Vocab = Vocab {
    group: "kind",
    values: || CustomerKind::ALL.iter().map(|v| v.as_str()).collect(),
};
pub const INDUSTRY: Vocab = Vocab {
    group: "industry",
    values: || Industry::ALL.iter().map(|v| v.as_str()).collect(),
};
pub const SIZE: Vocab = Vocab {
    group: "size",
    values: || SizeBand::ALL.iter().map(|v| v.as_str()).collect(),
};
pub const STAGE: Vocab = Vocab {
    group: "stage",
    values: || LifecycleStage::ALL.iter().map(|v| v.as_str()).collect(),
};
pub const SOURCE: Vocab = Vocab {
    group: "source",
    values: || Source::ALL.iter().map(|v| v.as_str()).collect(),
};
pub const GENDER: Vocab = Vocab {
    group: "gender",
    values: || Gender::ALL.iter().map(|v| v.as_str()).collect(),
};
pub const RFM: Vocab = Vocab {
    group: "rfm",
    values: || RfmSegment::ALL.iter().map(|v| v.as_str()).collect(),
};

/// `<option>`s for a vocabulary, with an empty first option labelled `blank`.
pub fn options(
    vocabulary: Vocab,
    blank: Signal<String>,
    selected: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <option value="" selected=Signal::derive(move || selected().is_empty())>{blank}</option>
        {(vocabulary.values)().into_iter().map(|value| view! {
            <option value=value selected=Signal::derive(move || selected() == value)>{crate::i18n::tr_vocab(vocabulary.group, value)}</option>
        }).collect_view()}
    }
}

/// The label of an optional value, empty when absent.
pub fn label(vocabulary: Vocab, value: Option<&str>) -> impl Fn() -> String + use<> {
    let locale = use_locale();
    let value = value.map(str::to_owned);
    move || {
        value
            .as_deref()
            .map(|v| vocab(locale.get(), vocabulary.group, v))
            .unwrap_or_default()
    }
}
