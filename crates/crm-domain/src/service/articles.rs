//! The knowledge base's vocabulary (知识库): an article's status and
//! language, and the highlighted snippet a search answers with — cut from
//! the article's text around the first place a search term occurs, the
//! terms marked. Cutting the words out of a text (jieba) lives with the
//! use cases, so this crate stays small enough for the web app.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::string_enum;

string_enum! {
    /// Who sees an article: `draft` only those who edit the knowledge
    /// base, `internal` everyone signed in, `public` also the public FAQ
    /// page when the workspace has it switched on.
    ArticleStatus { Draft = "draft", Internal = "internal", Public = "public" }
}

string_enum! {
    /// The language an article is written in.
    ArticleLocale { ZhCn = "zh-CN", En = "en" }
}

/// A piece of a snippet; `highlight` marks a search term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SnippetPart {
    pub text: String,
    pub highlight: bool,
}

/// About `width` characters of `text` around the first occurrence of any
/// of `terms` (case-insensitive), split into plain and highlighted parts;
/// the start of the text when no term occurs. Line breaks become spaces;
/// `…` marks text left out at either end.
pub fn snippet(text: &str, terms: &[String], width: usize) -> Vec<SnippetPart> {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let needles: Vec<Vec<char>> = terms
        .iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| t.to_lowercase().chars().collect())
        .collect();
    let matches_at = |i: usize| -> Option<usize> {
        needles
            .iter()
            .filter(|n| lower[i..].starts_with(n))
            .map(Vec::len)
            .max()
    };
    let first = (0..lower.len()).find(|i| matches_at(*i).is_some());
    let start = first.map_or(0, |i| i.saturating_sub(width / 4));
    let end = (start + width).min(chars.len());
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut push = |text: String, highlight: bool| match parts.last_mut() {
        Some(last) if last.highlight == highlight => last.text.push_str(&text),
        _ => parts.push(SnippetPart { text, highlight }),
    };
    if start > 0 {
        push("…".into(), false);
    }
    let mut i = start;
    while i < end {
        match matches_at(i) {
            Some(len) => {
                let stop = (i + len).min(end);
                push(chars[i..stop].iter().collect(), true);
                i = stop;
            }
            None => {
                push(chars[i].to_string(), false);
                i += 1;
            }
        }
    }
    if end < chars.len() {
        push("…".into(), false);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(parts: &[SnippetPart]) -> String {
        parts
            .iter()
            .map(|p| {
                if p.highlight {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn marks_a_chinese_word_inside_a_sentence() {
        let parts = snippet(
            "如何申请退款流程：先在订单页点申请退款。",
            &["退款".into()],
            40,
        );
        assert_eq!(
            render(&parts),
            "如何申请[退款]流程：先在订单页点申请[退款]。"
        );
    }

    #[test]
    fn cuts_around_the_first_match_and_marks_the_ends() {
        let text = format!("{}退款{}", "甲".repeat(50), "乙".repeat(50));
        let parts = snippet(&text, &["退款".into()], 20);
        let shown = render(&parts);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.contains("甲[退款]乙"), "{shown}");
        assert_eq!(shown.chars().filter(|c| *c != '…').count(), 22);
    }

    #[test]
    fn is_case_insensitive_and_prefers_the_longer_term() {
        let parts = snippet(
            "Refund policy: REFUNDS take 7 days",
            &["refund".into(), "refunds".into()],
            80,
        );
        assert_eq!(render(&parts), "[Refund] policy: [REFUNDS] take 7 days");
    }

    #[test]
    fn without_a_match_shows_the_start() {
        let parts = snippet("第一行\n第二行", &["退款".into()], 4);
        assert_eq!(render(&parts), "第一行 …");
        assert!(parts.iter().all(|p| !p.highlight));
    }
}
