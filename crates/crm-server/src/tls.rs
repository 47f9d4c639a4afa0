//! HTTPS for `crm serve`: the rustls server configuration from the PEM
//! files named by `CRM_TLS_CERT` and `CRM_TLS_KEY`, with errors that name
//! the variable at fault.

use std::sync::Arc;

use anyhow::{Context, bail};
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::settings::TlsFiles;

/// Reads the certificate chain and key and checks that they belong together.
pub fn server_config(files: &TlsFiles) -> anyhow::Result<ServerConfig> {
    let cert_path = files.cert.display();
    let key_path = files.key.display();
    std::fs::metadata(&files.cert)
        .with_context(|| format!("CRM_TLS_CERT: cannot read {cert_path}"))?;
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            anyhow::anyhow!("CRM_TLS_CERT: {cert_path} is not a PEM certificate chain: {e}")
        })?;
    if certs.is_empty() {
        bail!(
            "CRM_TLS_CERT: {cert_path} holds no certificate (expected PEM `BEGIN CERTIFICATE` blocks)"
        );
    }
    std::fs::metadata(&files.key)
        .with_context(|| format!("CRM_TLS_KEY: cannot read {key_path}"))?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| {
        anyhow::anyhow!(
            "CRM_TLS_KEY: {key_path} holds no PEM private key (PKCS#8, PKCS#1 or SEC1): {e}"
        )
    })?;
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS: no protocol version available")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .with_context(|| {
            format!(
                "CRM_TLS_KEY: {key_path} does not fit the certificate in CRM_TLS_CERT ({cert_path})"
            )
        })
}
