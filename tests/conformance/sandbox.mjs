// Starts a threadline-sandbox process on a free loopback port and talks to its control API.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export const BOT_TOKEN = 'xoxb-conformance-bot';
export const APP_TOKEN = 'xapp-conformance-app';

export async function startSandbox(extraArgs = []) {
  const bin = process.env.SANDBOX_BIN;
  if (!bin) throw new Error('SANDBOX_BIN is not set');
  const child = spawn(bin, ['--listen', '127.0.0.1:0', '--bot-token', BOT_TOKEN, '--app-token', APP_TOKEN,
    '--ping-interval-ms', '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  const base = url.endsWith('/') ? url : `${url}/`;
  const sandbox = {
    url: base,
    apiUrl: `${base}api/`,
    async control(path, body) {
      const res = await fetch(`${base}control/${path}`, body === undefined ? {} : {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      return res.json();
    },
    async addUser(name, extra = {}) {
      const r = await sandbox.control('users', { name, email: `${name}@example.com`, ...extra });
      return { id: r.user.id, dm: r.dm };
    },
    async messages(channel, threadTs) {
      const q = threadTs ? `?thread_ts=${threadTs}` : '';
      return (await sandbox.control(`channels/${channel}/messages${q}`)).messages;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
  return sandbox;
}

export async function waitFor(predicate, timeoutMs = 5000, what = 'condition') {
  const start = Date.now();
  for (;;) {
    const v = await predicate();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
