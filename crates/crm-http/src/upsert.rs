//! The HTTP side of every `PUT /{entity}/by-external-id/{external_id}`:
//! 201 with `Location` or 200, both with `ETag`. The rules an upsert shares
//! (the body's key, what a create needs) are `crm_app::upsert`.

use actix_web::HttpResponse;
use serde::Serialize;

pub use crm_app::upsert::same_key;

use crate::extract::etag;

/// 201 + `Location` for a created record, 200 for an updated one.
pub fn answer(created: bool, location: String, version: i32, body: impl Serialize) -> HttpResponse {
    let mut response = if created {
        let mut r = HttpResponse::Created();
        r.insert_header(("Location", location));
        r
    } else {
        HttpResponse::Ok()
    };
    response.insert_header(etag(version)).json(body)
}
