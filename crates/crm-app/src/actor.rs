//! Who performs a use case, in which workspace, and through which channel.

use uuid::Uuid;

/// The channel an action came through (recorded with the changes it makes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Web,
    ApiKey,
    Import,
    Job,
    Cli,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Web => "web",
            Via::ApiKey => "api_key",
            Via::Import => "import",
            Via::Job => "job",
            Via::Cli => "cli",
        }
    }
}

/// The one acting. `user_id` is `None` for the system itself (a job that
/// no user started, a CLI command); `admin` is the workspace's admin role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub workspace_id: Uuid,
    pub user_id: Option<Uuid>,
    pub admin: bool,
    pub via: Via,
}

impl Actor {
    /// The system acting in a workspace on behalf of nobody (a job, a command).
    pub fn system(workspace_id: Uuid, via: Via) -> Self {
        Self {
            workspace_id,
            user_id: None,
            admin: true,
            via,
        }
    }

    /// Refuses anyone but an administrator.
    pub fn require_admin(&self, what: &str) -> Result<(), crate::AppError> {
        if self.admin {
            Ok(())
        } else {
            Err(crate::AppError::Forbidden(format!(
                "only an administrator may {what}"
            )))
        }
    }
}
