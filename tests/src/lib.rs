//! Test support for the CRM: an isolated database per test on PostgreSQL
//! (`TestDb::postgres`, cloned from a migrated template) and SQLite
//! (`TestDb::sqlite`, a copy of a migrated template file), the in-process
//! app (`TestApp`), fixtures (`World`, `CustomerBuilder`), the real `crm`
//! binary for end-to-end tests, and the `both!` macro that runs a scenario
//! on both backends.

pub mod app;
pub mod db;
pub mod fixtures;
pub mod server;
pub mod smtp;
pub mod sync_data;

pub use app::{Resp, TestApp};
pub use db::TestDb;
pub use fixtures::{CustomerBuilder, Person, World};

/// Expands each `async fn name(app: TestApp)` into `name::postgres` and
/// `name::sqlite` tests, each on its own fresh database.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_rt::test]
                async fn postgres() {
                    super::$name($crate::TestApp::new($crate::TestDb::postgres())).await
                }
                #[actix_rt::test]
                async fn sqlite() {
                    super::$name($crate::TestApp::new($crate::TestDb::sqlite())).await
                }
            }
        )*
    };
}
