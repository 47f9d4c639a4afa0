//! Which tables a workspace archive holds, in foreign-key order, and each
//! column's portable kind, read from the diesel `table!`s of `schema` so a
//! new table is one line in [`tables`] and a new column needs nothing.

use diesel::sql_types::{BigInt, Bool, Date, Double, Integer, Nullable, SmallInt, Text, Timestamp};
use serde::{Deserialize, Serialize};

use crate::schema;
use crate::types::{DbJson, DbUuid};

/// A column's value as the archive carries it (the same on both backends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A JSON string.
    Text,
    /// A lowercase hyphenated UUID string.
    Uuid,
    /// The document itself, embedded.
    Json,
    /// `true` / `false` (SQLite's 0 / 1 are converted).
    Bool,
    SmallInt,
    Int,
    /// Exact 64-bit integers (money in minor units).
    BigInt,
    Double,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DDTHH:MM:SS.ffffff`, UTC without zone.
    Timestamp,
}

/// The portable kind of a diesel SQL type.
pub trait SqlKind {
    const KIND: Kind;
    const NULLABLE: bool = false;
}

macro_rules! sql_kind {
    ($($t:ty => $k:ident),* $(,)?) => {$(
        impl SqlKind for $t {
            const KIND: Kind = Kind::$k;
        }
    )*};
}
sql_kind!(
    Text => Text, DbUuid => Uuid, DbJson => Json, Bool => Bool, SmallInt => SmallInt,
    Integer => Int, BigInt => BigInt, Double => Double, Date => Date, Timestamp => Timestamp,
);

impl<T: SqlKind> SqlKind for Nullable<T> {
    const KIND: Kind = T::KIND;
    const NULLABLE: bool = true;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
}

/// The columns of a diesel table (its `AllColumns` tuple).
pub trait Columns {
    fn columns() -> Vec<Column>;
}

macro_rules! columns_tuple {
    ($($c:ident)+) => {
        impl<$($c),+> Columns for ($($c,)+)
        where
            $($c: diesel::Column + diesel::Expression, <$c as diesel::Expression>::SqlType: SqlKind,)+
        {
            fn columns() -> Vec<Column> {
                vec![$(Column {
                    name: <$c as diesel::Column>::NAME.to_owned(),
                    kind: <<$c as diesel::Expression>::SqlType as SqlKind>::KIND,
                    nullable: <<$c as diesel::Expression>::SqlType as SqlKind>::NULLABLE,
                }),+]
            }
        }
    };
}

macro_rules! all_tuples {
    ($first:ident $($rest:ident)*) => {
        columns_tuple!($first $($rest)*);
        all_tuples!($($rest)*);
    };
    () => {};
}
all_tuples!(
    C01 C02 C03 C04 C05 C06 C07 C08 C09 C10 C11 C12 C13 C14 C15 C16
    C17 C18 C19 C20 C21 C22 C23 C24 C25 C26 C27 C28 C29 C30 C31 C32
);

/// One table of the archive.
#[derive(Debug, Clone)]
pub struct TableSpec {
    pub name: &'static str,
    /// Columns ordering the rows (a unique key within the workspace).
    pub key: &'static [&'static str],
    /// Columns written as NULL at first and set once every table is in
    /// (references that form a cycle: a team's parent and manager).
    pub deferred: &'static [&'static str],
    pub columns: Vec<Column>,
}

impl TableSpec {
    fn of<T>(name: &'static str, key: &'static [&'static str]) -> Self
    where
        T: diesel::Table,
        T::AllColumns: Columns,
    {
        Self {
            name,
            key,
            deferred: &[],
            columns: <T::AllColumns as Columns>::columns(),
        }
    }

    fn deferring(mut self, columns: &'static [&'static str]) -> Self {
        self.deferred = columns;
        self
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether rows are selected by `id` (the workspace row) rather than `workspace_id`.
    pub fn is_workspace(&self) -> bool {
        self.name == "workspaces"
    }
}

/// Every table of a workspace, parents before children. The workspace row
/// itself comes first; global reference tables (regions) and sign-in
/// throttles are not part of a workspace.
pub fn tables() -> Vec<TableSpec> {
    use schema::*;
    vec![
        TableSpec::of::<workspaces::table>("workspaces", &["id"]),
        TableSpec::of::<roles::table>("roles", &["id"]),
        TableSpec::of::<teams::table>("teams", &["id"]).deferring(&["parent_id", "manager_id"]),
        TableSpec::of::<users::table>("users", &["id"]),
        TableSpec::of::<refresh_tokens::table>("refresh_tokens", &["id"]),
        TableSpec::of::<api_keys::table>("api_keys", &["id"]),
        TableSpec::of::<tags::table>("tags", &["id"]),
        TableSpec::of::<custom_field_defs::table>("custom_field_defs", &["id"]),
        TableSpec::of::<customers::table>("customers", &["id"]),
        TableSpec::of::<customer_tags::table>("customer_tags", &["customer_id", "tag_id"]),
        TableSpec::of::<contacts::table>("contacts", &["id"]),
        TableSpec::of::<change_log::table>("change_log", &["seq"]),
        // Consumers' positions in the log travel with it: a restored
        // workspace's consumers go on where they were, not from the start.
        TableSpec::of::<event_cursors::table>("event_cursors", &["id"]),
        TableSpec::of::<idempotency_keys::table>("idempotency_keys", &["actor_id", "key"]),
        TableSpec::of::<products::table>("products", &["id"]),
        TableSpec::of::<orders::table>("orders", &["id"]),
        TableSpec::of::<order_lines::table>("order_lines", &["order_id", "line_no"]),
        TableSpec::of::<pipelines::table>("pipelines", &["id"]),
        TableSpec::of::<pipeline_stages::table>("pipeline_stages", &["id"]),
        TableSpec::of::<deals::table>("deals", &["id"]),
        TableSpec::of::<deal_lines::table>("deal_lines", &["deal_id", "line_no"]),
        TableSpec::of::<deal_stage_changes::table>("deal_stage_changes", &["id"]),
        TableSpec::of::<leads::table>("leads", &["id"]),
        TableSpec::of::<activities::table>("activities", &["id"]),
        TableSpec::of::<quotas::table>("quotas", &["id"]),
        TableSpec::of::<tickets::table>("tickets", &["id"]),
        TableSpec::of::<ticket_replies::table>("ticket_replies", &["id"]),
        TableSpec::of::<service_settings::table>("service_settings", &["workspace_id"]),
        TableSpec::of::<service_agents::table>("service_agents", &["user_id"]),
        TableSpec::of::<articles::table>("articles", &["id"]),
        TableSpec::of::<ticket_articles::table>("ticket_articles", &["ticket_id", "article_id"]),
        TableSpec::of::<surveys::table>("surveys", &["id"]),
        TableSpec::of::<sla_alerts::table>("sla_alerts", &["id"]),
        TableSpec::of::<ticket_attachments::table>("ticket_attachments", &["id"]),
        TableSpec::of::<ticket_tags::table>("ticket_tags", &["ticket_id", "tag_id"]),
        TableSpec::of::<analytics_settings::table>("analytics_settings", &["workspace_id"]),
        TableSpec::of::<customer_metrics::table>("customer_metrics", &["customer_id"]),
        TableSpec::of::<sales_rollups::table>(
            "sales_rollups",
            &[
                "currency",
                "dimension",
                "order_date",
                "parent_code",
                "code",
                "owner_id",
                "team_id",
            ],
        ),
        TableSpec::of::<order_rollups::table>(
            "order_rollups",
            &["currency", "order_date", "owner_id", "team_id"],
        ),
        TableSpec::of::<product_rollups::table>(
            "product_rollups",
            &[
                "currency",
                "order_date",
                "product_id",
                "owner_id",
                "team_id",
            ],
        ),
        TableSpec::of::<cohort_rollups::table>(
            "cohort_rollups",
            &[
                "currency",
                "cohort_month",
                "order_month",
                "owner_id",
                "team_id",
            ],
        ),
        TableSpec::of::<customer_counts::table>(
            "customer_counts",
            &["dimension", "code", "owner_id", "team_id"],
        ),
        TableSpec::of::<segments::table>("segments", &["id"]),
        TableSpec::of::<reports::table>("reports", &["id"]),
        TableSpec::of::<dashboards::table>("dashboards", &["id"]),
        TableSpec::of::<deliveries::table>("deliveries", &["id"]),
        TableSpec::of::<clv_models::table>("clv_models", &["workspace_id"]),
        TableSpec::of::<imports::table>("imports", &["id"]),
        TableSpec::of::<import_errors::table>("import_errors", &["import_id", "row_number"]),
    ]
}

/// Tables with a `workspace_id` that an archive leaves out, and why.
pub const LEFT_OUT: &[(&str, &str)] = &[
    (
        "auth_versions",
        "a counter that triggers keep from users, roles and API keys; restoring them advances it",
    ),
    (
        "articles_fts",
        "SQLite's search index of the articles: triggers rebuild it as the articles are restored",
    ),
    (
        "backups",
        "runs of this server's backups: their archives stay on the server that made them",
    ),
    (
        "jobs",
        "this server's queue of background work: it refers to files and runs on this server",
    ),
];
