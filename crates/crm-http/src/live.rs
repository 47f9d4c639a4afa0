//! `/live`: Server-Sent Events telling an open dashboard which kinds of
//! records changed in the caller's workspace (`event: change`, data
//! `{"objects": ["orders", "order_lines"]}`), so it reruns only the widgets
//! over them. The [`Hub`] fans out what `crm_app::live` hears (a commit on
//! any node) to every open stream of this process. Only object kinds
//! travel, never ids or figures: each widget then runs as its viewer.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use crm_domain::reports::ReportObject;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::caller::Caller;
use crate::state::AppState;

/// How often an idle stream sends a comment, so proxies keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(20);
/// How long one stream lives: then it ends and the client reconnects with
/// the token it holds then, so a stream outlives neither a revoked
/// sign-in nor a role change by more than this.
const LIFETIME: Duration = Duration::from_secs(15 * 60);

/// This process's open streams' source.
#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<(Uuid, Vec<ReportObject>)>,
}

impl Default for Hub {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(256);
        Self { sender }
    }
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("streams", &self.sender.receiver_count())
            .finish()
    }
}

impl Hub {
    /// What `crm_app::live::Live` calls with each change it hears.
    pub fn notify(&self) -> crm_app::live::Notify {
        let sender = self.sender.clone();
        Box::new(move |workspace, objects| {
            // No stream open is not an error.
            let _none_listening = sender.send((workspace, objects));
        })
    }
}

fn event(objects: &[ReportObject]) -> Bytes {
    let data = serde_json::json!({ "objects": objects });
    Bytes::from(format!("event: change\ndata: {data}\n\n"))
}

struct Stream {
    receiver: broadcast::Receiver<(Uuid, Vec<ReportObject>)>,
    workspace: Uuid,
    ends: tokio::time::Instant,
}

/// The changes of the caller's workspace as they happen (an SSE stream:
/// `event: change`, `data: {"objects": [...]}`; a comment every 20 s while
/// idle; it ends after 15 minutes, to be opened again with a current
/// token). A stream that fell behind is told that everything changed.
#[utoipa::path(
    tag = "dashboards",
    responses(
        (status = 200, description = "text/event-stream of `change` events", content_type = "text/event-stream"),
        (status = 401, body = crm_api_types::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/live")]
pub async fn live(state: web::Data<AppState>, caller: Caller) -> HttpResponse {
    let start = Stream {
        receiver: state.live.sender.subscribe(),
        workspace: caller.actor().workspace_id,
        ends: tokio::time::Instant::now() + LIFETIME,
    };
    let opened = futures_util::stream::once(async { Ok(Bytes::from_static(b": open\n\n")) });
    let changes = futures_util::stream::unfold(start, |mut s| async move {
        loop {
            let left = s
                .ends
                .saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return None;
            }
            let bytes = match tokio::time::timeout(KEEP_ALIVE.min(left), s.receiver.recv()).await {
                Err(_idle) => Bytes::from_static(b": keep-alive\n\n"),
                Ok(Ok((ws, objects))) if ws == s.workspace => event(&objects),
                Ok(Ok(_other_workspace)) => continue,
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => event(ReportObject::ALL),
                Ok(Err(broadcast::error::RecvError::Closed)) => return None,
            };
            return Some((Ok::<_, actix_web::Error>(bytes), s));
        }
    });
    use futures_util::StreamExt;
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(opened.chain(changes))
}
