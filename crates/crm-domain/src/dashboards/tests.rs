use super::*;
use crate::reports::standard as reports;

fn spec(key: &str) -> ReportSpec {
    reports::all()
        .into_iter()
        .find(|s| s.key == key)
        .map(|s| s.spec)
        .expect("a standard report")
}

fn errors(layout: &DashboardLayout) -> Vec<String> {
    match layout.check("layout.") {
        Ok(()) => Vec::new(),
        Err(e) => e.0.keys().cloned().collect(),
    }
}

#[test]
fn the_built_in_dashboard_is_valid() {
    assert_eq!(errors(&standard::layout()), Vec::<String>::new());
}

#[test]
fn widgets_name_one_report_and_fit_the_grid() {
    let mut layout = standard::layout();
    layout.widgets[1].key = "won".into();
    layout.widgets[2].report_id = Some(Uuid::nil());
    layout.widgets[3].standard = Some("no_such".into());
    layout.widgets[4].width = 13;
    layout.widgets[5].height = 0;
    layout.widgets[6].key = "Bad Key".into();
    assert_eq!(
        errors(&layout),
        [
            "layout.widgets[1].key",
            "layout.widgets[2].report_id",
            "layout.widgets[3].standard",
            "layout.widgets[4].width",
            "layout.widgets[5].height",
            "layout.widgets[6].key",
        ]
    );
}

#[test]
fn filters_name_their_bad_part() {
    let mut layout = DashboardLayout::default();
    layout.filters.relative = Some(RelativePeriod::ThisMonth);
    layout.filters.from = NaiveDate::from_ymd_opt(2026, 1, 1);
    layout.filters.region = Some("440305".into()); // a district
    assert_eq!(
        errors(&layout),
        ["layout.filters.region", "layout.filters.relative"]
    );
}

#[test]
fn filters_narrow_each_object_on_its_own_fields() {
    let owner = Uuid::from_u128(7);
    let team = Uuid::from_u128(9);
    let filters = DashboardFilters {
        relative: Some(RelativePeriod::LastQuarter),
        owner: Some(owner),
        team: Some(team),
        region: Some("440000".into()),
        ..DashboardFilters::default()
    };
    // Won by month and rep: the period lands on its month grouping's date.
    let narrowed = filters.narrow(&spec("sales_by_rep_month"));
    let conditions: Vec<(String, Option<String>)> = narrowed
        .filters
        .iter()
        .map(|c| (c.field.clone(), c.value.clone()))
        .collect();
    assert_eq!(
        conditions,
        [
            ("status".to_owned(), Some("won".to_owned())),
            ("owner".to_owned(), Some(owner.to_string())),
            ("team".to_owned(), Some(team.to_string())),
            ("province".to_owned(), Some("440000".to_owned())),
        ]
    );
    let period = narrowed.period.clone().expect("a period");
    assert_eq!(period.field, "closed_at");
    assert_eq!(period.relative, Some(RelativePeriod::LastQuarter));
    assert!(narrowed.check().is_ok());
    // Tickets: the person is the assignee; a number keeps its own period field.
    let tickets = filters.narrow(&spec("tickets_by_channel"));
    assert!(tickets.filters.iter().any(|c| c.field == "assignee"));
    assert_eq!(
        tickets.period.map(|p| p.field).as_deref(),
        Some("created_at")
    );
    let revenue = filters.narrow(&spec("revenue_this_month"));
    assert_eq!(
        revenue.period.map(|p| p.field).as_deref(),
        Some("order_date")
    );
    // An open pipeline narrows by creation, lost deals by their close.
    let open = filters.narrow(&spec("pipeline_by_stage"));
    assert_eq!(open.period.map(|p| p.field).as_deref(), Some("created_at"));
    let lost = filters.narrow(&spec("lost_reasons"));
    assert_eq!(lost.period.map(|p| p.field).as_deref(), Some("closed_at"));
    // Activities have no region field: the region filter leaves them.
    let activities = filters.narrow(&spec("activities_by_rep"));
    assert!(!activities.filters.iter().any(|c| c.field == "province"));
    assert!(activities.check().is_ok());
}

#[test]
fn no_filters_leave_the_report_as_it_is() {
    let s = spec("pipeline_by_stage");
    assert_eq!(DashboardFilters::default().narrow(&s), s);
    assert!(DashboardFilters::default().is_empty());
}
