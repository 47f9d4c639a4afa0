//! `/regions`: the reference list of countries and Chinese divisions, and
//! the check that a customer's region codes exist and nest.

use actix_web::{get, web};
use crm_api_types::regions::{Region, RegionQuery};
use crm_api_types::{Page, Problem};
use crm_db::AnyConnection;
use crm_db::regions::{RegionFilter, RegionRow};
use crm_domain::FieldErrors;
use crm_domain::region::{RegionLevel, RegionPath};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

pub fn view(row: RegionRow) -> Region {
    Region {
        level: RegionLevel::parse(&row.level).unwrap_or(RegionLevel::Country),
        code: row.code,
        parent_code: row.parent_code,
        country_code: row.country_code,
        name_zh: row.name_zh,
        name_en: row.name_en,
    }
}

/// List regions: `?parent=CN` gives provinces, `?parent=440000` the cities of
/// Guangdong, `?level=country` every country. Sorted by code; the cursor is
/// the last code of the previous page.
#[utoipa::path(tag = "regions", params(RegionQuery), responses((status = 200, body = Page<Region>), (status = 400, body = Problem, content_type = "application/problem+json")))]
#[get("/regions")]
pub async fn list(
    state: web::Data<AppState>,
    _caller: Caller,
    query: ApiQuery<RegionQuery>,
) -> Result<web::Json<Page<Region>>, ApiError> {
    let query = query.0;
    let limit = crate::paging::limit(query.limit, 1000, 1000)?;
    let filter = RegionFilter {
        parent: query
            .parent
            .as_deref()
            .map(|p| {
                crm_domain::region::RegionCode::parse(p)
                    .map(|code| code.as_str().to_owned())
                    .map_err(|message| crate::paging::bad("parent", message))
            })
            .transpose()?,
        level: query.level.map(|l| l.as_str().to_owned()),
        after: query.cursor,
        limit: limit + 1,
    };
    let mut rows = state
        .db(move |conn| Ok(crm_db::regions::list(conn, &filter)?))
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more {
        rows.last().map(|r| r.code.clone())
    } else {
        None
    };
    Ok(web::Json(Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    }))
}

/// Checks that the codes exist at their level and nest: the province in the
/// country, the city in the province, the district in the city.
pub fn check_path(
    conn: &mut AnyConnection,
    lookups: &mut crate::lookups::Lookups,
    path: &RegionPath,
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    for (field, message) in path.shape_errors() {
        errors.add(field, message);
    }
    let fields = [
        ("country_code", &path.country, None),
        (
            "province_code",
            &path.province,
            Some(path.country.as_ref().map_or("CN", |c| c.as_str())),
        ),
        (
            "city_code",
            &path.city,
            path.province.as_ref().map(|p| p.as_str()),
        ),
        (
            "district_code",
            &path.district,
            path.city.as_ref().map(|c| c.as_str()),
        ),
    ];
    let codes: Vec<&str> = fields
        .iter()
        .filter_map(|(_, code, _)| code.as_ref().map(|c| c.as_str()))
        .collect();
    let found = lookups.regions(conn, &codes)?;
    for (field, code, parent) in fields {
        let Some(code) = code else { continue };
        match found.iter().find(|r| r.code == code.as_str()) {
            None => errors.add(field, format!("{code} is not a known region")),
            Some(row) => {
                if let Some(parent) = parent
                    && row.parent_code.as_deref() != Some(parent)
                {
                    errors.add(
                        field,
                        format!("{code} ({}) is not inside {parent}", row.name_zh),
                    );
                }
            }
        }
    }
    Ok(())
}
