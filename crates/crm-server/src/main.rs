//! `crm`: serve the CRM, run migrations, seed demo data, administer workspaces.

use std::net::TcpListener;

use anyhow::Context;
use clap::{Parser, Subcommand};
use crm_server::{Settings, demo, open_database, provision};

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
    /// Run migrations and serve the API (and web app) on CRM_BIND.
    Serve,
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
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CRM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
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
            actix_web::rt::System::new().block_on(crm_server::serve(settings, listener))
        }
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
            let (pool, _) = open_database(&settings)?;
            let mut conn = pool.get()?;
            if if_empty && crm_db::workspaces::any(&mut conn)? {
                println!("database already has data; demo not seeded");
                return Ok(());
            }
            let started = std::time::Instant::now();
            let count = customers.unwrap_or_else(|| size.customers());
            let seeded = demo::seed(&mut conn, count, chrono::Utc::now().date_naive())?;
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
        Command::Openapi => {
            println!("{}", crm_http::openapi().to_pretty_json()?);
            Ok(())
        }
    }
}
