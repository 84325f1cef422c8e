// Reference fan-out for bench_sync_outbound: the same thread posts as Threadline's overhead run,
// written with Slack's official Node client (@slack/web-api, pinned in tests/conformance), against
// the same sandbox. Nothing durable: one parent message per channel, then `replies` thread replies
// spread round-robin over the channels, at most `concurrency` calls in flight.
//
//   node reference_fanout.mjs <node_modules parent dir> <api url> <bot token> <channels,comma,separated>
//        <replies> <concurrency>
//
// Prints one JSON object: {"posts", "errors", "elapsed_ms", "posts_per_second", "client"}.
import { createRequire } from 'node:module';
import path from 'node:path';

const [modulesDir, apiUrl, token, channelList, repliesArg, concurrencyArg] = process.argv.slice(2);
if (!modulesDir || !apiUrl || !token || !channelList) {
  process.stderr.write('usage: reference_fanout.mjs <modules dir> <api url> <token> <channels> <replies> <concurrency>\n');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(modulesDir), 'package.json'));
const { WebClient } = require('@slack/web-api');
const version = require('@slack/web-api/package.json').version;

const channels = channelList.split(',').filter(Boolean);
const replies = Number.parseInt(repliesArg ?? '1000', 10);
const concurrency = Math.max(1, Number.parseInt(concurrencyArg ?? '16', 10));

const client = new WebClient(token, {
  slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
  maxRequestConcurrency: concurrency,
  retryConfig: { retries: 0 },
  rejectRateLimitedCalls: true,
  logLevel: 'error',
});

const parents = [];
for (const channel of channels) {
  const r = await client.chat.postMessage({ channel, text: 'Reference summary' });
  parents.push({ channel, ts: r.ts });
}

let next = 0;
let posts = 0;
let errors = 0;
const started = process.hrtime.bigint();
async function worker() {
  for (;;) {
    const i = next++;
    if (i >= replies) return;
    const p = parents[i % parents.length];
    try {
      await client.chat.postMessage({
        channel: p.channel,
        thread_ts: p.ts,
        text: `*Agent*\nupdate ${Math.floor(i / parents.length)}`,
        metadata: { event_type: 'reference_update', event_payload: { n: i } },
      });
      posts += 1;
    } catch (e) {
      errors += 1;
      if (errors <= 3) process.stderr.write(`reference post failed: ${e.message}\n`);
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(`${JSON.stringify({
  posts, errors, elapsed_ms: elapsedMs, posts_per_second: elapsedMs > 0 ? (posts * 1000) / elapsedMs : 0,
  client: `@slack/web-api ${version}`, concurrency,
})}\n`);
