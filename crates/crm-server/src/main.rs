//! `crm`: serve the CRM, run migrations, seed demo data, administer workspaces.

use std::net::TcpListener;

use anyhow::Context;
use clap::{Parser, Subcommand};
use crm_server::{Settings, demo, open_database, provision};

/// mimalloc instead of glibc's malloc: a batch of 1,000 records spent a
/// third of its own CPU in glibc's free-list upkeep (`malloc_consolidate`,
/// `unlink_chunk`); see docs/PERFORMANCE.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "crm",
    version,
    about = "An open-source CRM. Configuration comes from CRM_* environment variables."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations and serve the API (and web app) on CRM_BIND, with
    /// CRM_WORKERS background job workers.
    Serve,
    /// Run only background job workers (CRM_WORKERS, default 2): imports,
    /// backups, model fits. API nodes and worker nodes scale apart.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create or refresh the `demo` workspace: users, teams, customers,
    /// products and three years of orders (deterministic, up to today).
    Demo {
        /// s = 2,000 customers, m = 100,000 (~1M orders), l = 1,000,000 (~10M orders).
        #[arg(long, value_enum, default_value = "s")]
        size: demo::Size,
        /// Number of customers, instead of the size's.
        #[arg(long)]
        customers: Option<usize>,
        /// Only seed when the database has no workspace yet.
        #[arg(long)]
        if_empty: bool,
    },
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Write a consistent backup of the whole database while it serves
    /// (SQLite: VACUUM INTO; PostgreSQL: pg_dump --format=custom, from
    /// Debian's postgresql-client).
    Backup {
        /// The backup file to create.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Restore a backup of `crm backup` into CRM_DATABASE_URL, which must
    /// hold no workspace (a new SQLite file or a new PostgreSQL database).
    Restore { file: std::path::PathBuf },
    /// Write one workspace as a portable archive (.tar.gz of JSON lines per
    /// table and its import files) that import-workspace loads into SQLite
    /// or PostgreSQL.
    ExportWorkspace {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Load a workspace archive into CRM_DATABASE_URL (same schema version;
    /// the workspace must not be there yet).
    ImportWorkspace { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a workspace with the built-in roles and an admin user.
    CreateWorkspace {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_password: String,
    },
    /// Set a user's password (at least 10 characters), reactivate them, sign
    /// them out everywhere and lift any sign-in block on their account.
    ResetPassword {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
        /// The new password; read from CRM_NEW_PASSWORD when not given
        /// (keeps it out of the process list and shell history).
        #[arg(long, env = "CRM_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Make a user an active administrator of their workspace (recovers a
    /// workspace whose admins are gone).
    GrantAdmin {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
    },
}

/// The log filter from `CRM_LOG`, else `RUST_LOG`, else `info` (directives
/// as in `RUST_LOG`: `warn`, `crm_http=debug,info`). A filter that does not
/// parse is reported and replaced by `info` rather than ignored silently.
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let (name, value) = ["CRM_LOG", "RUST_LOG"]
        .into_iter()
        .find_map(|name| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| (name, v))
        })
        .unwrap_or(("default", "info".to_owned()));
    let filter = EnvFilter::try_new(&value).unwrap_or_else(|err| {
        eprintln!("{name}={value:?} is not a log filter ({err}); logging at info");
        EnvFilter::new("info")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours only on a terminal: a log file or collector gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing();
    let settings = Settings::from_env()?;
    match cli.command {
        Command::Serve => {
            let listener = TcpListener::bind(&settings.bind)
                .with_context(|| format!("cannot listen on {}", settings.bind))?;
            crm_http::block_on(crm_server::serve(settings, listener))
        }
        Command::Worker => crm_server::work(&settings),
        Command::Migrate => {
            open_database(&settings)?;
            println!("database is up to date");
            Ok(())
        }
        Command::Demo {
            size,
            customers,
            if_empty,
        } => {
            let (pool, backend) = open_database(&settings)?;
            let mut conn = pool.get()?;
            if if_empty && crm_db::workspaces::any(&mut conn)? {
                println!("database already has data; demo not seeded");
                return Ok(());
            }
            let started = std::time::Instant::now();
            let count = customers.unwrap_or_else(|| size.customers());
            // On PostgreSQL a second connection writes half of the rows and
            // computes rollups beside the first (`demo::seed_with`).
            let mut helper = match backend {
                crm_db::Backend::Postgres if pool.max_size() > 1 => Some(pool.get()?),
                _ => None,
            };
            let seeded = demo::seed_with(
                &mut conn,
                helper.as_deref_mut(),
                count,
                chrono::Utc::now().date_naive(),
            )?;
            println!(
                "seeded {} customers and {} orders in {:.1} s",
                seeded.planted.len(),
                seeded.orders,
                started.elapsed().as_secs_f64()
            );
            println!("{}", demo::logins_text());
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::ResetPassword {
                    workspace,
                    email,
                    password,
                },
        } => {
            let (pool, _) = open_database(&settings)?;
            let mut conn = pool.get()?;
            let user = provision::reset_password(&mut conn, &workspace, &email, &password)?;
            println!("new password set for {} in {workspace}", user.email);
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::GrantAdmin { workspace, email },
        } => {
            let (pool, _) = open_database(&settings)?;
            let mut conn = pool.get()?;
            let user = provision::grant_admin(&mut conn, &workspace, &email)?;
            println!("{} is now an administrator of {workspace}", user.email);
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::CreateWorkspace {
                    slug,
                    name,
                    admin_email,
                    admin_password,
                },
        } => {
            let (pool, _) = open_database(&settings)?;
            let mut conn = pool.get()?;
            let ws = provision::create_workspace(
                &mut conn,
                &slug,
                &name,
                &admin_email,
                &admin_password,
            )?;
            println!("created workspace {} ({})", ws.slug, ws.id);
            Ok(())
        }
        Command::Backup { out } => {
            let started = std::time::Instant::now();
            let bytes = crm_server::backup::backup(&settings.database_url, &out)?;
            println!(
                "backup written to {} ({bytes} bytes) in {:.1} s",
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { file } => {
            let started = std::time::Instant::now();
            crm_server::backup::restore(&settings.database_url, &file)?;
            println!(
                "restored {} in {:.1} s",
                file.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::ExportWorkspace { slug, out } => {
            let started = std::time::Instant::now();
            let manifest = crm_server::portable::export_workspace(
                &settings.database_url,
                &slug,
                &out,
                &settings.import_dir,
            )?;
            println!(
                "exported workspace {slug}: {} rows, {} files to {} in {:.1} s\n{}",
                manifest.total_rows(),
                manifest.files.len(),
                out.display(),
                started.elapsed().as_secs_f64(),
                crm_server::portable::summary(&manifest)
            );
            Ok(())
        }
        Command::ImportWorkspace { file } => {
            let started = std::time::Instant::now();
            let manifest = crm_server::portable::import_workspace(
                &settings.database_url,
                &file,
                &settings.import_dir,
            )?;
            println!(
                "imported workspace {} ({} rows from a {} database) in {:.1} s\n{}",
                manifest.workspace.slug,
                manifest.total_rows(),
                manifest.source_backend,
                started.elapsed().as_secs_f64(),
                crm_server::portable::summary(&manifest)
            );
            Ok(())
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&crm_http::openapi())?);
            Ok(())
        }
    }
}
