//! The knowledge base (知识库): articles, their search hits with
//! highlighted snippets, helpfulness votes, the articles linked from a
//! ticket, and the public FAQ's view of an article.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub use crm_domain::service::articles::{ArticleLocale, ArticleStatus, SnippetPart};

/// The longest article body, in characters.
pub const BODY_MAX: usize = 20_000;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Article {
    pub id: Uuid,
    pub title: String,
    /// Plain text; line breaks are kept.
    pub body: String,
    pub category: String,
    pub locale: ArticleLocale,
    pub status: ArticleStatus,
    /// The article this one translates (its other-language version).
    pub translation_of: Option<Uuid>,
    pub views: i64,
    /// Readers who said it helped, and who said it did not.
    pub helpful: i32,
    pub not_helpful: i32,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "如何申请退款", "body": "在订单页点击申请退款，填写原因后提交，3 个工作日内原路退回。",
    "category": "退换货", "locale": "zh-CN", "status": "public"
}))]
pub struct NewArticle {
    #[schema(schema_with = crate::patterns::text::<200>)]
    pub title: String,
    #[schema(schema_with = crate::patterns::long_lines::<BODY_MAX>)]
    pub body: String,
    #[schema(schema_with = crate::patterns::text::<60>)]
    pub category: String,
    /// Default `zh-CN`.
    #[serde(default)]
    pub locale: Option<ArticleLocale>,
    /// Default `draft`.
    #[serde(default)]
    pub status: Option<ArticleStatus>,
    /// An article of the other language that this one translates.
    #[serde(default)]
    pub translation_of: Option<Uuid>,
}

/// Merge patch.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "public"}))]
pub struct ArticlePatch {
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<200>)]
    pub title: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_long_lines::<BODY_MAX>)]
    pub body: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::nullable_text::<60>)]
    pub category: Option<String>,
    #[serde(default)]
    pub locale: Option<ArticleLocale>,
    #[serde(default)]
    pub status: Option<ArticleStatus>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub translation_of: Option<Option<Uuid>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `created_at` or `updated_at`; prefix `-` for descending. Default `-updated_at`.
    #[param(schema_with = crate::patterns::article_sort)]
    pub sort: Option<String>,
    #[param(inline)]
    pub status: Option<ArticleStatus>,
    #[param(inline)]
    pub locale: Option<ArticleLocale>,
    /// Exactly this category.
    #[param(max_length = 60)]
    pub category: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleSearch {
    /// Words to find, in Chinese or English: cut into words the way the
    /// articles are, so `退款` finds `如何申请退款流程`.
    #[param(min_length = 1, max_length = 200)]
    pub q: String,
    #[param(inline)]
    pub locale: Option<ArticleLocale>,
    /// Default 10.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

/// An article found by a search, best first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArticleHit {
    pub id: Uuid,
    pub title: String,
    pub category: String,
    pub locale: ArticleLocale,
    pub status: ArticleStatus,
    /// Higher is better; comparable within one answer only.
    pub score: f64,
    /// The body around the first word found, the words found marked.
    pub snippet: Vec<SnippetPart>,
}

/// A reader's vote on whether an article helped.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleVote {
    pub helpful: bool,
}

/// "This article answered it": links an article to a ticket.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleLink {
    pub article_id: Uuid,
}

/// A category and how many articles the caller sees in it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArticleCategory {
    pub name: String,
    pub articles: i64,
}

/// A public article as the FAQ page shows it, without its bookkeeping.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FaqArticle {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub category: String,
    pub locale: ArticleLocale,
    pub updated_at: DateTime<Utc>,
}

/// `locale` of the public FAQ's list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FaqQuery {
    #[param(inline)]
    pub locale: Option<ArticleLocale>,
}
