//! The standard reports (标准报表) shipped with every workspace: plain
//! definitions a user opens, copies and changes like their own.

use super::{
    Aggregate, ChartKind, DateGrain, RelativePeriod, ReportCondition, ReportGrouping,
    ReportMeasure, ReportObject, ReportOperator, ReportPeriod, ReportSpec,
};

/// A shipped report: a stable key, its names and its definition.
#[derive(Debug, Clone)]
pub struct Standard {
    pub key: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub spec: ReportSpec,
}

fn by(field: &str) -> ReportGrouping {
    ReportGrouping {
        field: field.to_owned(),
        grain: None,
    }
}

fn by_month(field: &str) -> ReportGrouping {
    ReportGrouping {
        field: field.to_owned(),
        grain: Some(DateGrain::Month),
    }
}

fn count() -> ReportMeasure {
    ReportMeasure {
        aggregate: Aggregate::Count,
        field: None,
    }
}

fn sum(field: &str) -> ReportMeasure {
    ReportMeasure {
        aggregate: Aggregate::Sum,
        field: Some(field.to_owned()),
    }
}

fn avg(field: &str) -> ReportMeasure {
    ReportMeasure {
        aggregate: Aggregate::Avg,
        field: Some(field.to_owned()),
    }
}

fn answered(field: &str) -> Vec<ReportCondition> {
    vec![ReportCondition {
        field: field.to_owned(),
        op: ReportOperator::NotEmpty,
        value: None,
    }]
}

fn status(value: &str) -> Vec<ReportCondition> {
    vec![ReportCondition {
        field: "status".to_owned(),
        op: ReportOperator::Eq,
        value: Some(value.to_owned()),
    }]
}

/// Orders that count as revenue.
fn revenue() -> Vec<ReportCondition> {
    vec![ReportCondition {
        field: "revenue".to_owned(),
        op: ReportOperator::Eq,
        value: Some("true".to_owned()),
    }]
}

fn spec(
    object: ReportObject,
    group_by: Vec<ReportGrouping>,
    measure: ReportMeasure,
    filters: Vec<ReportCondition>,
    chart: ChartKind,
) -> ReportSpec {
    ReportSpec {
        object,
        group_by,
        measure,
        filters,
        period: None,
        chart,
    }
}

/// One figure this month (on `date`), compared with last month.
fn this_month(
    object: ReportObject,
    date: &str,
    measure: ReportMeasure,
    filters: Vec<ReportCondition>,
) -> ReportSpec {
    ReportSpec {
        period: Some(ReportPeriod {
            field: date.to_owned(),
            from: None,
            to: None,
            relative: Some(RelativePeriod::ThisMonth),
        }),
        ..spec(object, Vec::new(), measure, filters, ChartKind::Number)
    }
}

/// Every standard report, in the order the report list shows them.
pub fn all() -> Vec<Standard> {
    use ChartKind::*;
    use ReportObject::*;
    let s = |key, name_zh, name_en, spec| Standard {
        key,
        name_zh,
        name_en,
        spec,
    };
    vec![
        s(
            "won_this_month",
            "本月赢单金额",
            "Won this month",
            this_month(Deals, "closed_at", sum("amount_minor"), status("won")),
        ),
        s(
            "revenue_this_month",
            "本月销售额",
            "Revenue this month",
            this_month(Orders, "order_date", sum("total_minor"), revenue()),
        ),
        s(
            "new_customers_this_month",
            "本月新增客户",
            "New customers this month",
            this_month(Customers, "created_at", count(), vec![]),
        ),
        s(
            "sales_by_rep_month",
            "销售业绩（按月、按销售）",
            "Sales won by month and rep",
            spec(
                Deals,
                vec![by_month("closed_at"), by("owner")],
                sum("amount_minor"),
                status("won"),
                StackedBar,
            ),
        ),
        s(
            "pipeline_by_stage",
            "销售漏斗（按阶段）",
            "Open pipeline by stage",
            spec(
                Deals,
                vec![by("stage")],
                sum("amount_minor"),
                status("open"),
                Funnel,
            ),
        ),
        s(
            "win_rate_by_rep",
            "赢单率（%，按销售）",
            "Win rate (%) by rep",
            spec(Deals, vec![by("owner")], avg("won_percent"), vec![], Bar),
        ),
        s(
            "sales_cycle_by_rep",
            "销售周期（天，按销售）",
            "Sales cycle in days by rep",
            spec(
                Deals,
                vec![by("owner")],
                avg("cycle_days"),
                status("won"),
                Bar,
            ),
        ),
        s(
            "lost_reasons",
            "输单原因",
            "Why deals were lost",
            spec(Deals, vec![by("lost_reason")], count(), status("lost"), Pie),
        ),
        s(
            "revenue_by_product",
            "产品销售额",
            "Revenue by product",
            spec(
                OrderLines,
                vec![by("product")],
                sum("amount_minor"),
                revenue(),
                Bar,
            ),
        ),
        s(
            "revenue_by_province",
            "地区销售额（按省）",
            "Revenue by province",
            spec(
                Orders,
                vec![by("province")],
                sum("total_minor"),
                revenue(),
                Bar,
            ),
        ),
        s(
            "customers_by_province",
            "客户地区分布（按省）",
            "Customers by province",
            spec(Customers, vec![by("province")], count(), vec![], Bar),
        ),
        s(
            "customers_map",
            "客户分布地图",
            "Customers on the map",
            spec(Customers, vec![by("province")], count(), vec![], Map),
        ),
        s(
            "products_by_category",
            "产品目录（按类别）",
            "Products by category",
            spec(Products, vec![by("category")], count(), vec![], Pie),
        ),
        s(
            "new_customers_by_source",
            "新增客户（按月、按来源）",
            "New customers by month and source",
            spec(
                Customers,
                vec![by_month("created_at"), by("source")],
                count(),
                vec![],
                StackedBar,
            ),
        ),
        s(
            "activities_by_rep",
            "销售活动量（按销售、按类型）",
            "Activities by rep and kind",
            spec(
                Activities,
                vec![by("owner"), by("kind")],
                count(),
                vec![],
                StackedBar,
            ),
        ),
        s(
            "lead_conversion_by_source",
            "线索转化率（%，按来源）",
            "Lead conversion (%) by source",
            spec(
                Leads,
                vec![by("source")],
                avg("converted_percent"),
                vec![],
                Bar,
            ),
        ),
        s(
            "leads_by_source",
            "线索来源与状态",
            "Leads by source and status",
            spec(
                Leads,
                vec![by("source"), by("status")],
                count(),
                vec![],
                StackedBar,
            ),
        ),
        s(
            "tickets_by_month_type",
            "工单量（按月、按类型）",
            "Tickets by month and type",
            spec(
                Tickets,
                vec![by_month("created_at"), by("ticket_type")],
                count(),
                vec![],
                StackedBar,
            ),
        ),
        s(
            "tickets_by_channel",
            "工单渠道",
            "Tickets by channel",
            spec(Tickets, vec![by("channel")], count(), vec![], Pie),
        ),
        s(
            "service_response_by_agent",
            "服务响应时间（分钟，按客服）",
            "First response in minutes by agent",
            spec(
                Tickets,
                vec![by("assignee")],
                avg("first_response_minutes"),
                answered("first_responded_at"),
                Bar,
            ),
        ),
        s(
            "satisfaction_by_agent",
            "客户满意度（按客服）",
            "Satisfaction (CSAT) by agent",
            spec(
                Tickets,
                vec![by("assignee")],
                avg("csat"),
                answered("csat"),
                Bar,
            ),
        ),
        s(
            "satisfaction_by_month",
            "满意度趋势（按月）",
            "Satisfaction (CSAT) by month",
            spec(
                Tickets,
                vec![by_month("resolved_at")],
                avg("csat"),
                answered("csat"),
                Area,
            ),
        ),
        s(
            "sla_breaches_by_agent",
            "首次响应超时率（%，按客服）",
            "First responses out of SLA (%) by agent",
            spec(
                Tickets,
                vec![by("assignee")],
                avg("first_response_breached"),
                answered("first_response_breached"),
                Bar,
            ),
        ),
        s(
            "sla_breaches_by_month",
            "解决超时率（%，按月）",
            "Resolutions out of SLA (%) by month",
            spec(
                Tickets,
                vec![by_month("created_at")],
                avg("resolution_breached"),
                answered("resolution_breached"),
                Line,
            ),
        ),
    ]
}
