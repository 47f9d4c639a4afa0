// Reads /api/v1/live (Server-Sent Events) with fetch, so the bearer token
// travels in a header (EventSource cannot send one). `listen` returns
// [controller, done]: `onChange` gets each change event's objects joined
// by commas; `done` resolves when the stream ends, fails or is stopped.
export function listen(token, onChange) {
  const controller = new AbortController();
  const done = (async () => {
    try {
      const response = await fetch('/api/v1/live', {
        headers: { Authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      if (!response.ok || !response.body) return;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) return;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (lines[0] === 'event: change' && data) {
            try {
              onChange(JSON.parse(data).objects.join(','));
            } catch (_) {
              // A malformed event is skipped.
            }
          }
        }
      }
    } catch (_) {
      // Aborted or the network failed: the caller reconnects or stops.
    }
  })();
  return [controller, done];
}

export function stop(controller) {
  controller.abort();
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
