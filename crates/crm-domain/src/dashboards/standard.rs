//! The dashboard everyone starts with (经营概览) until an administrator makes
//! a saved one their role's default: this month's figures over the
//! standard reports, each run as its viewer.

use super::{DashboardFilters, DashboardLayout, DashboardWidget};

fn widget(key: &str, standard: &str, width: u8, height: u8) -> DashboardWidget {
    DashboardWidget {
        key: key.to_owned(),
        report_id: None,
        standard: Some(standard.to_owned()),
        width,
        height,
    }
}

/// The built-in dashboard's layout.
pub fn layout() -> DashboardLayout {
    DashboardLayout {
        widgets: vec![
            widget("won", "won_this_month", 4, 1),
            widget("revenue", "revenue_this_month", 4, 1),
            widget("customers", "new_customers_this_month", 4, 1),
            widget("sales", "sales_by_rep_month", 8, 2),
            widget("pipeline", "pipeline_by_stage", 4, 2),
            widget("products", "revenue_by_product", 4, 2),
            widget("lost", "lost_reasons", 4, 2),
            widget("provinces", "customers_by_province", 4, 2),
        ],
        filters: DashboardFilters::default(),
    }
}
