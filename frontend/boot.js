// Starts the web app. A file rather than an inline script, so the content
// security policy can forbid inline scripts (script-src 'self').
import init from '/frontend.js';
init({ module_or_path: '/frontend_bg.wasm' });
