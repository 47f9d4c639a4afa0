//! The vocabulary of selling: order statuses, activity kinds, lead
//! statuses and pipeline stage kinds with the default pipeline. The
//! arithmetic of orders is in `orders`, the rules of deal stages in `deals`.

use crate::string_enum;

string_enum! {
    /// Where an order stands. Cancelled and refunded orders are kept but
    /// count as no revenue.
    OrderStatus {
        Draft = "draft",
        Confirmed = "confirmed",
        Paid = "paid",
        Shipped = "shipped",
        Completed = "completed",
        Cancelled = "cancelled",
        Refunded = "refunded",
    }
}

impl OrderStatus {
    /// Whether the order's total counts as revenue.
    pub fn is_revenue(self) -> bool {
        !matches!(self, Self::Draft | Self::Cancelled | Self::Refunded)
    }
}

string_enum! {
    /// What kind of interaction an activity records.
    ActivityKind {
        Call = "call",
        /// A visit at the customer's (拜访), with where it took place.
        Visit = "visit",
        Meeting = "meeting",
        Email = "email",
        Note = "note",
        /// Something to do, with a due date and an assignee.
        Task = "task",
    }
}

string_enum! {
    /// How urgent an open activity (a task, a planned call or visit) is.
    Priority {
        Low = "low",
        Normal = "normal",
        High = "high",
    }
}

string_enum! {
    /// Where a lead stands. `converted` is set by conversion only.
    LeadStatus {
        New = "new",
        Working = "working",
        Qualified = "qualified",
        Disqualified = "disqualified",
        Converted = "converted",
    }
}

string_enum! {
    /// What reaching a pipeline stage means for a deal.
    StageKind {
        /// Still being worked.
        Open = "open",
        /// Closed as won.
        Won = "won",
        /// Closed as lost; a lost reason is required.
        Lost = "lost",
    }
}

/// The stages a new workspace's default pipeline starts with:
/// (name, default probability %, kind).
pub const DEFAULT_STAGES: [(&str, i32, StageKind); 6] = [
    ("初步接洽", 10, StageKind::Open),
    ("需求确认", 25, StageKind::Open),
    ("方案报价", 50, StageKind::Open),
    ("商务谈判", 75, StageKind::Open),
    ("赢单", 100, StageKind::Won),
    ("输单", 0, StageKind::Lost),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelled_and_refunded_orders_are_no_revenue() {
        assert!(OrderStatus::Paid.is_revenue());
        assert!(!OrderStatus::Refunded.is_revenue());
        assert!(!OrderStatus::Draft.is_revenue());
    }
}
