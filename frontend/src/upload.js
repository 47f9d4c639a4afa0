// Sends a file (a Blob the browser streams from disk, never read into the
// page's memory) as the body of a POST, reporting upload progress (0–1).
// XMLHttpRequest rather than fetch: fetch reports no upload progress.
export function uploadFile(url, token, file, onProgress, contentType) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', contentType || 'text/csv');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total); };
    xhr.onload = () => resolve([xhr.status, xhr.responseText]);
    xhr.onerror = () => resolve([0, '']);
    xhr.onabort = () => resolve([0, '']);
    xhr.send(file);
  });
}
