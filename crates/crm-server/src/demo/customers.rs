//! The demo's customers: drawn one after another from the demo's random
//! stream (owner, kind, industry, region down to the district, contact
//! details, lifecycle stage, tags, and for the first organisations a few
//! contacts), each with the plan its orders follow; written in pieces of
//! [`BATCH`] beside the generator, on two connections where given
//! ([`super::writers`]).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDate;
use crm_db::AnyConnection;
use crm_db::customers::{CustomerFields, CustomerRow};
use crm_db::regions::{RegionFilter, RegionRow};
use crm_db::types::{Id, Json};
use crm_domain::customer::{CustomerKind, Gender, Industry, LifecycleStage, SizeBand, Source};
use rand::distr::weighted::WeightedIndex;
use rand::prelude::*;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::buffers::{CustomerBatch, Growth};
use super::words::{FOREIGN, GIVEN, PROVINCES, SURNAMES, WORDS, industry_word};
use super::writers::{piece_size, write_beside};
use super::{SEED, Written, mobile, orders, pick};
use crate::progress::{Progress, Unit};

/// Customers per piece (one transaction), at most.
const BATCH: usize = 5_000;

/// The cities of the demo's provinces and the districts of those cities,
/// read before the generator starts (it has no connection of its own).
struct Regions(HashMap<String, Vec<RegionRow>>);

impl Regions {
    fn load(conn: &mut AnyConnection) -> anyhow::Result<Self> {
        let mut children = HashMap::new();
        let mut parents: Vec<String> = PROVINCES.iter().map(|p| p.0.to_owned()).collect();
        // Two levels: the provinces' cities, then those cities' districts.
        for _ in 0..2 {
            let mut next = Vec::new();
            for parent in parents {
                let list = crm_db::regions::list(
                    conn,
                    &RegionFilter {
                        parent: Some(parent.clone()),
                        limit: 1000,
                        ..Default::default()
                    },
                )?;
                next.extend(list.iter().map(|r| r.code.clone()));
                children.insert(parent, list);
            }
            parents = next;
        }
        Ok(Self(children))
    }

    fn children(&self, code: &str) -> &[RegionRow] {
        self.0.get(code).map_or(&[], Vec::as_slice)
    }
}

pub(super) fn insert(
    (conn, helper): (&mut AnyConnection, Option<&mut AnyConnection>),
    rng: &mut StdRng,
    ws: Uuid,
    users: &[crm_db::users::UserRow],
    tags: &[Uuid],
    count: usize,
    today: NaiveDate,
) -> anyhow::Result<Vec<Written>> {
    let mut plan_rng = StdRng::seed_from_u64(SEED + 1);
    let mut written = Vec::with_capacity(count);
    let province_pick = WeightedIndex::new(PROVINCES.iter().map(|p| p.1))?;
    // Owners: the reps carry most accounts, managers a few of their own.
    let owners = [(3, 24), (4, 24), (5, 24), (6, 24), (1, 2), (2, 2)];
    let owner_pick = WeightedIndex::new(owners.iter().map(|o| o.1))?;
    let stage_pick = WeightedIndex::new([5, 15, 10, 10, 15, 35, 5, 5])?;
    let stages = &LifecycleStage::ALL[..8];
    let regions = Regions::load(conn)?;
    let growth = Mutex::new(Growth::default());
    let write = |conn: &mut AnyConnection, batch: CustomerBatch| batch.write(conn, ws, &growth);
    // Generated here, written beside on one or two connections.
    write_beside(conn, helper, write, |send| {
        let piece = piece_size(count, BATCH);
        let mut batch = CustomerBatch::default();
        let mut progress = Progress::new("customers", Unit::Rows);
        progress.set_total(count as u64);
        for n in 0..count {
            progress.set(n as u64);
            let owner = &users[owners[owner_pick.sample(rng)].0];
            let is_person = rng.random_bool(0.2);
            let industry = *pick(rng, &Industry::ALL[..16]);
            let foreign = !is_person && rng.random_bool(0.08);
            let (country, province, city, district, name) = if foreign {
                let (country, name) = *pick(rng, &FOREIGN);
                (
                    country.to_owned(),
                    None,
                    None,
                    None,
                    format!("{name} #{}", n + 1),
                )
            } else {
                let province = PROVINCES[province_pick.sample(rng)].0.to_owned();
                let city = pick(rng, regions.children(&province)).clone();
                let district_list = regions.children(&city.code);
                let district =
                    (!district_list.is_empty()).then(|| pick(rng, district_list).code.clone());
                let short: String = city
                    .name_zh
                    .trim_end_matches('市')
                    .chars()
                    .take(4)
                    .collect();
                let name = if is_person {
                    format!("{}{}", pick(rng, &SURNAMES), pick(rng, &GIVEN))
                } else {
                    format!(
                        "{short}{}{}有限公司",
                        pick(rng, &WORDS),
                        industry_word(industry)
                    )
                };
                (
                    "CN".to_owned(),
                    Some(province),
                    Some(city.code),
                    district,
                    name,
                )
            };
            let size = *pick(rng, SizeBand::ALL);
            let employees = match size {
                SizeBand::Micro => rng.random_range(1..10),
                SizeBand::Small => rng.random_range(10..50),
                SizeBand::Medium => rng.random_range(50..250),
                SizeBand::Large => rng.random_range(250..1000),
                SizeBand::Enterprise => rng.random_range(1000..20000),
            };
            let vip = pick(rng, &["金卡", "银卡", "普通", "普通"]);
            let fields = CustomerFields {
                kind: if is_person {
                    CustomerKind::Person
                } else {
                    CustomerKind::Organization
                }
                .as_str()
                .to_owned(),
                name,
                external_id: Some(format!("DEMO-{:05}", n + 1)),
                owner_id: Some(owner.id),
                team_id: owner.team_id,
                industry: (!is_person).then(|| industry.as_str().to_owned()),
                size_band: (!is_person).then(|| size.as_str().to_owned()),
                employee_count: (!is_person).then_some(employees),
                annual_revenue_minor: (!is_person)
                    .then(|| i64::from(employees) * rng.random_range(20_000..200_000) * 100),
                annual_revenue_currency: (!is_person)
                    .then(|| if foreign { "USD" } else { "CNY" }.to_owned()),
                email: rng
                    .random_bool(0.7)
                    .then(|| format!("contact{}@customer{}.example.cn", n % 7, n + 1)),
                phone: rng.random_bool(0.8).then(|| mobile(rng)),
                website: (!is_person && rng.random_bool(0.5))
                    .then(|| format!("https://www.customer{}.example.cn", n + 1)),
                country_code: Some(country),
                province_code: province,
                city_code: city,
                district_code: district,
                address: None,
                gender: is_person.then(|| {
                    pick(rng, &[Gender::Female, Gender::Male])
                        .as_str()
                        .to_owned()
                }),
                birth_date: is_person
                    .then(|| {
                        NaiveDate::from_ymd_opt(
                            rng.random_range(1960..2004),
                            rng.random_range(1..13),
                            rng.random_range(1..29),
                        )
                    })
                    .flatten(),
                source: Some(pick(rng, &Source::ALL[..7]).as_str().to_owned()),
                lifecycle_stage: Some(stages[stage_pick.sample(rng)].as_str().to_owned()),
                custom_fields: Json(serde_json::json!({ "vip_level": vip })),
                search_text: String::new(),
            }
            .with_search_text();
            let plan = orders::plan(&mut plan_rng, today);
            let mut row = CustomerRow::new(ws, Some(users[0].id.0), fields);
            let acquired = plan.acquired.and_hms_opt(9, 0, 0).unwrap_or_default();
            row.created_at = acquired;
            row.updated_at = acquired;
            written.push(Written {
                id: row.id.0,
                owner_id: row.fields.owner_id.map(|o| o.0),
                team_id: row.fields.team_id.map(|t| t.0),
                plan,
            });
            let mut chosen: Vec<Uuid> = tags
                .iter()
                .filter(|_| rng.random_bool(0.15))
                .copied()
                .collect();
            chosen.sort();
            batch.tags.push((row.id.0, chosen));
            let customer_id = row.id.0;
            batch.rows.push(row);
            // Contacts for the first customers only: enough to show, cheap at
            // every size; written after their customers, in the same piece.
            let with_contacts = !is_person && n < 1_000 && rng.random_bool(0.5);
            if with_contacts {
                for c in 0..rng.random_range(1..4) {
                    batch.contacts.push(
                        crm_db::contacts::ContactFields {
                            customer_id: Id(customer_id),
                            name: format!("{}{}", pick(rng, &SURNAMES), pick(rng, &GIVEN)),
                            title: Some(
                                pick(
                                    rng,
                                    &["采购经理", "总经理", "财务总监", "IT 主管", "运营经理"],
                                )
                                .to_string(),
                            ),
                            department: None,
                            email: Some(format!("person{c}@customer{}.example.cn", n + 1)),
                            phone: Some(mobile(rng)),
                            is_primary: c == 0,
                            external_id: None,
                            custom_fields: Json(serde_json::json!({})),
                            search_text: String::new(),
                        }
                        .with_search_text(),
                    );
                }
            }
            if batch.rows.len() >= piece {
                send(std::mem::take(&mut batch))?;
            }
        }
        if !batch.rows.is_empty() {
            send(batch)?;
        }
        progress.set(count as u64);
        progress.finish();
        Ok(())
    })?;
    Ok(written)
}
