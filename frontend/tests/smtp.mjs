// An SMTP sink for the browser tests: a real SMTP server on a free local
// port (EHLO, MAIL, RCPT, DATA, QUIT) that keeps every message, so a test
// reads what the server mailed; and the little MIME reading they need.
import net from 'node:net';

/** Starts the sink; `messages` fills as mail arrives. */
export async function startSmtpSink() {
  const messages = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let data = null;
    let to = [];
    socket.setEncoding('latin1');
    socket.write('220 sink.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === '.') {
            messages.push({ to, raw: Buffer.from(data.join('\r\n'), 'latin1').toString('utf8') });
            data = null;
            socket.write('250 queued\r\n');
          } else data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (verb === 'MAIL') { to = []; socket.write('250 ok\r\n'); }
        else if (verb === 'RCPT') { to.push(line.replace(/^.*<(.*)>.*$/, '$1')); socket.write('250 ok\r\n'); }
        else if (verb === 'DATA') { data = []; socket.write('354 go on\r\n'); }
        else if (verb === 'QUIT') { socket.end('221 bye\r\n'); }
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `smtp://127.0.0.1:${server.address().port}`, messages, close: () => server.close() };
}

/** The decoded text/plain part of a message, or its body when it has one part (base64 or quoted-printable). */
export function plainText(raw) {
  const at = raw.search(/Content-Type: text\/plain/i);
  if (at < 0) return '';
  // A single-part message's headers start with the message, a part's after its boundary.
  const headerEnd = raw.indexOf('\r\n\r\n', at);
  const headers = raw.slice(Math.max(0, raw.lastIndexOf('\r\n--', at)), headerEnd);
  const end = raw.indexOf('\r\n--', headerEnd);
  const body = raw.slice(headerEnd + 4, end < 0 ? undefined : end);
  if (/base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
