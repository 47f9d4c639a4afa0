//! Satisfaction surveys (满意度): sending one for a ticket (the link with
//! its single-use token is shown once), answering it without signing in,
//! and the analysis by agent, team, type, channel or month, with the
//! unhappy answers of the most valuable customers first.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub use crm_domain::service::satisfaction::{Satisfaction, SurveyKind};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Survey {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub customer_id: Uuid,
    pub kind: SurveyKind,
    /// The ticket's assignee when the survey was sent.
    pub agent_id: Option<Uuid>,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub score: Option<i32>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSurvey {
    /// Default `csat`.
    #[serde(default)]
    pub kind: Option<SurveyKind>,
    /// Also e-mail the link to the ticket's contact (or, without a contact
    /// address, the customer's), through the outbox; it goes out with
    /// `CRM_SMTP_URL` and links to `CRM_PUBLIC_URL`. Default false.
    #[serde(default)]
    pub by_email: bool,
}

/// A survey just sent, with the link to give the customer (by e-mail or
/// in a chat). The token is shown this once; only its hash is kept.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SentSurvey {
    pub survey: Survey,
    pub token: String,
    /// The web app's page that answers it: `/survey/<token>`.
    pub path: String,
    /// The address the link is being mailed to (`by_email`).
    pub mailed_to: Option<String>,
}

/// What the customer sees before answering.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SurveyQuestion {
    pub kind: SurveyKind,
    /// The company asking.
    pub workspace_name: String,
    pub ticket_number: i64,
    pub ticket_subject: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"score": 5, "comment": "处理很及时，谢谢！"}))]
pub struct SurveyAnswer {
    /// 1–5 for `csat`, 0–10 for `nps`.
    #[schema(minimum = 0, maximum = 10)]
    pub score: i32,
    #[serde(default)]
    #[schema(schema_with = crate::patterns::optional_lines::<2000>)]
    pub comment: Option<String>,
}

/// How the analysis groups the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SatisfactionBy {
    Agent,
    Team,
    TicketType,
    Channel,
    Month,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SatisfactionQuery {
    /// Default `month`.
    #[param(inline)]
    pub by: Option<SatisfactionBy>,
    /// First day answered (default: a year before `to`).
    pub from: Option<NaiveDate>,
    /// Last day answered (default: today).
    pub to: Option<NaiveDate>,
}

/// One group's satisfaction: `key` is the agent's or team's id, the type
/// key, the channel, or the month (`2026-11`); empty for none.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionRow {
    pub key: String,
    #[serde(flatten)]
    pub satisfaction: Satisfaction,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Satisfaction,
    pub rows: Vec<SatisfactionRow>,
    /// Unhappy answers (CSAT 1–2, NPS 0–6), the customers who bought the
    /// most first; at most 50.
    pub unhappy: Vec<UnhappyAnswer>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnhappyAnswer {
    pub survey: Survey,
    pub customer_name: String,
    /// What the customer has bought, in minor units (分), if known.
    pub revenue_minor: Option<i64>,
    /// The customer's RFM segment, if computed.
    pub rfm_segment: Option<String>,
}
