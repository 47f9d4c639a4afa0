//! The customer record read, the hottest read there is: the row, its
//! metrics, its tags and the workspace's access counter in one statement of
//! a fixed type, run on the backend's own connection.

use diesel::prelude::*;
use uuid::Uuid;

use super::CustomerRow;
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::customers;
use crate::types::Id;
use crate::visibility::Visibility;

/// A visible customer with its metrics (`None` before their first revenue
/// order), its tags (by name) and the workspace's access counter
/// ([`crate::auth::access_version`]) as this same statement read it, so that
/// a caller authorised from a cached principal can confirm it was current
/// without a statement of its own.
///
/// The hottest read there is, so it runs on the backend's own connection
/// with its scope written out ([`Visibility::admits`]) rather than boxed: a
/// statement of a fixed type is found in diesel's cache by that type, where
/// a boxed one, or any through the `MultiConnection`, is rendered to SQL
/// text on every call first.
pub fn find_with_metrics(
    conn: &mut AnyConnection,
    vis: &Visibility,
    id: Uuid,
) -> DbResult<(
    CustomerRow,
    Option<crate::rfm::MetricsRow>,
    Vec<crate::tags::TagLabel>,
    i64,
)> {
    use crate::schema::customer_metrics;
    use crate::visibility::Admits;
    type Found = (
        CustomerRow,
        Option<crate::rfm::MetricsRow>,
        Option<String>,
        Option<i64>,
    );
    let ws = Id(vis.workspace_id);
    // The row and its extras, with the scope's conditions `$scope` added.
    macro_rules! read {
        ($c:expr $(, $scope:expr)?) => {
            customers::table
                .left_join(
                    customer_metrics::table.on(customer_metrics::workspace_id
                        .eq(customers::workspace_id)
                        .and(customer_metrics::customer_id.eq(customers::id))),
                )
                .filter(customers::workspace_id.eq(ws))
                .filter(customers::id.eq(Id(id)))
                .filter(customers::deleted_at.is_null())
                $(.filter($scope))?
                .select((
                    CustomerRow::as_select(),
                    Option::<crate::rfm::MetricsRow>::as_select(),
                    crate::tags::customer_labels(),
                    crate::auth::access_counter!(vis.workspace_id),
                ))
                .first::<Found>($c)
        };
    }
    // NULL = x is never true: a customer without owner or team is outside
    // `own` and `team`.
    let owner = customers::owner_id.assume_not_null();
    let team = customers::team_id.assume_not_null();
    let admits = vis.admits();
    let (row, metrics, tags, access) = crate::each_backend!(&mut *conn, |c| match &admits {
        Admits::Nothing => Err(diesel::result::Error::NotFound),
        Admits::All => read!(c),
        Admits::Own(me) => read!(c, owner.eq(*me)),
        Admits::OwnOrTeam(me, t) => read!(c, owner.eq(*me).or(team.eq(*t))),
        Admits::OwnOrTeams(me, teams) => read!(c, owner.eq(*me).or(team.eq_any(teams.clone()))),
    })?;
    Ok((
        row,
        metrics,
        crate::tags::parse_labels(tags.as_deref())?,
        // No row before the workspace's first access change, as there.
        access.unwrap_or(0),
    ))
}
