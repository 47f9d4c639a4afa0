//! The buyers' metrics rows as the whole `FROM` of an aggregate. Each row
//! carries its customer's owner, team, liveness and values of the map's
//! dimensions (`metrics::CARRIED`), so a filter and groupings by nothing
//! else read the rows alone instead of joining a million customers: the
//! map's lifetime value and churn rate, the KPIs' buyer counts, the RFM
//! summary, the portraits' buyer figures, k-means.

use crm_domain::analytics::Dimension;

use super::{Groups, push_dimensions, push_parents, select_keys_on, uses};
use crate::customers::CustomerFilter;
use crate::rollups::{owner_team_and_segment_only, push_owner_and_team};
use crate::sql::Sql;
use crate::visibility::Visibility;

/// Whether the filter selects by nothing the metrics rows do not carry:
/// owner, team, RFM segment and the dimensions' values (kind, industry,
/// size, lifecycle stage, source, a region to the district).
pub(crate) fn carried_only(f: &CustomerFilter) -> bool {
    owner_team_and_segment_only(&CustomerFilter {
        kind: None,
        industry: None,
        size_band: None,
        lifecycle_stage: None,
        source: None,
        region: None,
        ..f.clone()
    })
}

/// Whether the filter and the groupings read nothing the rows do not carry
/// (every grouping but tags).
pub(crate) fn answer(filter: &CustomerFilter, groups: &Groups) -> bool {
    carried_only(filter) && !uses(groups, Dimension::Tag)
}

/// `SELECT` the group keys read from the rows `m` ([`answer`] holds).
pub(crate) fn select_keys(sql: &mut Sql, groups: &Groups) {
    select_keys_on(sql, groups, "m");
}

/// ` FROM customer_metrics m WHERE …`: the live rows of the workspace that
/// the caller may see and the filter selects (which is [`carried_only`]),
/// inside a region grouping's parent.
pub(crate) fn push_from(sql: &mut Sql, vis: &Visibility, filter: &CustomerFilter, groups: &Groups) {
    sql.push(" FROM customer_metrics m WHERE m.workspace_id = ")
        .id(vis.workspace_id)
        .push(" AND m.live");
    push_owner_and_team(sql, vis, filter, "m");
    push_dimensions(sql, filter, "m");
    if let Some(segment) = &filter.rfm_segment {
        sql.push(" AND m.rfm_segment = ").text(segment);
    }
    push_parents(sql, groups, "m");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::Grouping;
    use crate::customers::RegionMatch;

    #[test]
    fn the_rows_answer_what_they_carry_and_nothing_else() {
        let by = |d| Groups {
            first: Some(Grouping::new(d)),
            second: None,
            today: None,
        };
        let carried = CustomerFilter {
            industry: Some("retail".into()),
            kind: Some("organization".into()),
            region: Some(RegionMatch::District("440305".into())),
            rfm_segment: Some("champions".into()),
            owner_id: Some(uuid::Uuid::nil()),
            ..CustomerFilter::default()
        };
        assert!(answer(&carried, &by(Dimension::AgeBand)));
        assert!(answer(&carried, &by(Dimension::Region)));
        assert!(answer(&CustomerFilter::default(), &Groups::default()));
        // Tags live in their own table, and so do the search text, the
        // external id and the record's dates.
        assert!(!answer(&carried, &by(Dimension::Tag)));
        for other in [
            CustomerFilter {
                tag_id: Some(uuid::Uuid::nil()),
                ..carried.clone()
            },
            CustomerFilter {
                q: Some("acme".into()),
                ..carried.clone()
            },
            CustomerFilter {
                external_id: Some("erp-1".into()),
                ..carried.clone()
            },
        ] {
            assert!(!carried_only(&other), "{other:?}");
        }
    }
}
