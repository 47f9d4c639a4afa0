//! Cutting text into the words the knowledge base indexes and searches
//! with: jieba's search mode (a long word also yields the shorter words
//! inside it, so 退款 is found in 如何申请退款流程), without its HMM guesses
//! (an unknown run of characters falls apart the same way in an article
//! and in a query), split further at anything but letters and digits,
//! lower-cased.

use std::sync::LazyLock;

use jieba_rs::Jieba;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Words too common to find anything with, unless a query has nothing else.
const STOP_WORDS: &[&str] = &[
    "的", "了", "是", "在", "和", "与", "及", "或", "我", "你", "他", "她", "它", "们", "吗", "呢",
    "吧", "啊", "怎么", "如何", "怎样", "什么", "请问", "一下", "a", "an", "and", "or", "the",
    "of", "to", "in", "on", "for", "is", "are", "how", "what", "do", "does", "i", "my", "can",
];

/// Every word of `text`, in order, repeats kept.
pub fn words(text: &str) -> Vec<String> {
    JIEBA
        .cut_for_search(text, false)
        .into_iter()
        .flat_map(|t| t.word.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// What an article is indexed by: its title's words three times (a word
/// in the title counts for more) and its body's.
pub fn index_terms(title: &str, body: &str) -> String {
    let title = words(title).join(" ");
    format!("{title} {title} {title} {}", words(body).join(" "))
}

/// The distinct words of a query (at most 20), without the stop words
/// unless nothing else is left.
pub fn query_terms(q: &str) -> Vec<String> {
    let mut all = words(q);
    let mut seen = std::collections::HashSet::new();
    all.retain(|w| seen.insert(w.clone()));
    let kept: Vec<String> = all
        .iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .cloned()
        .collect();
    let mut terms = if kept.is_empty() { all } else { kept };
    terms.truncate(20);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_character_word_is_found_inside_a_longer_one() {
        let indexed = index_terms("如何申请退款流程", "");
        assert!(indexed.split(' ').any(|w| w == "退款"), "{indexed}");
        assert_eq!(query_terms("退款"), vec!["退款"]);
    }

    #[test]
    fn queries_lose_stop_words_and_punctuation_and_case() {
        assert_eq!(query_terms("如何 退款？"), vec!["退款"]);
        assert_eq!(query_terms("Refund-Policy"), vec!["refund", "policy"]);
        assert_eq!(query_terms("如何"), vec!["如何"]);
        assert!(query_terms("！？ ...").is_empty());
    }

    #[test]
    fn title_words_count_three_times() {
        let indexed = index_terms("发票", "开具发票");
        assert_eq!(indexed.split(' ').filter(|w| *w == "发票").count(), 4);
    }
}
