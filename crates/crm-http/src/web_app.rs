//! Serving the built web app (`CRM_WEB_DIR`): its files, gzip-compressed
//! copies made at build time (`frontend_bg.wasm.gz`, `echarts.min.js.gz`,
//! `maps/china.json.gz`, at the best level, rather than the fast on-the-fly
//! level of the compression middleware),
//! and `index.html` for deep links. Without a built app, `/` is a plain page
//! pointing at the API docs.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, ContentEncoding, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Resource, guard, web};

/// The directory of the built app, for the precompressed-asset handler.
#[derive(Clone)]
struct WebDir(PathBuf);

/// `GET /<name>.{wasm,js,css}` and `GET /maps/<name>.json` (the map
/// outlines): the `.gz` copy when the client accepts gzip and the copy
/// exists, else the file itself.
pub fn precompressed(dir: &Path) -> Resource {
    web::resource(r"/{file:[A-Za-z0-9_.-]+\.(?:wasm|js|css)|maps/[A-Za-z0-9_.-]+\.json}")
        .app_data(web::Data::new(WebDir(dir.to_path_buf())))
        .guard(guard::Any(guard::Get()).or(guard::Head()))
        .to(asset)
}

async fn asset(
    req: HttpRequest,
    file: web::Path<String>,
    dir: web::Data<WebDir>,
) -> actix_web::Result<HttpResponse> {
    let name = file.into_inner();
    let plain = dir.0.join(&name);
    let accepts_gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let zipped = dir.0.join(format!("{name}.gz"));
    let mut response = if accepts_gzip && zipped.is_file() {
        let ext = Path::new(&name)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        NamedFile::open(&zipped)?
            .set_content_type(actix_files::file_extension_to_mime(ext))
            .set_content_encoding(ContentEncoding::Gzip)
            .disable_content_disposition()
            .into_response(&req)
    } else {
        NamedFile::open(&plain)?
            .disable_content_disposition()
            .into_response(&req)
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(response)
}

/// Serves the web app from `dir` to GET and HEAD requests: files as they
/// are, anything else (a deep link such as `/customers/…`) as `index.html`.
/// Other methods do not match and reach the API fallback (404/405 problems).
pub fn web_app(dir: &Path) -> actix_files::Files {
    let index = dir.join("index.html");
    actix_files::Files::new("/", dir)
        .index_file("index.html")
        .guard(guard::Any(guard::Get()).or(guard::Head()))
        .default_handler(fn_service(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                let response = NamedFile::open(&index)?.into_response(&req);
                Ok(ServiceResponse::new(req, response))
            }
        }))
}

/// `/` when no web app is built: a plain page pointing at the API docs.
pub async fn index() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>CRM</title>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\">\
         <h1>CRM</h1><p>服务已启动。The server is running.</p>\
         <p><a href=\"/api/docs/\">API 文档 / API documentation</a> · \
         <a href=\"/api/openapi.json\">openapi.json</a> · <a href=\"/api/health\">health</a></p></body></html>",
    )
}
