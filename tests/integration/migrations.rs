//! Migrations run down and up again cleanly on both backends.

use crm_tests::TestDb;

fn round_trip(db: TestDb) {
    let pool = db.pool();
    let mut conn = pool.get().expect("connection");
    let applied = crm_db::migrate::run_pending(&mut conn).expect("up");
    assert!(applied.len() >= 2, "{applied:?}");
    let reverted = crm_db::migrate::revert_all(&mut conn).expect("down");
    assert_eq!(reverted, applied.len());
    let again = crm_db::migrate::run_pending(&mut conn).expect("up again");
    assert_eq!(again, applied);
    let regions = crm_db::regions::list(
        &mut conn,
        &crm_db::regions::RegionFilter {
            parent: Some("CN".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .expect("regions");
    assert_eq!(regions.len(), 34);
}

#[test]
fn migrations_revert_and_reapply_on_postgres() {
    round_trip(TestDb::empty(true));
}

#[test]
fn migrations_revert_and_reapply_on_sqlite() {
    round_trip(TestDb::empty(false));
}
