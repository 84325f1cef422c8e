// @slack/socket-mode's SocketModeClient against the sandbox: hello, events, acks, redelivery,
// disconnect and reconnect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SocketModeClient, LogLevel } from '@slack/socket-mode';
import { startSandbox, waitFor, APP_TOKEN } from './sandbox.mjs';

let sandbox;
let client;
const events = [];
let ackEverything = true;

before(async () => {
  sandbox = await startSandbox(['--ack-timeout-ms', '300', '--retry-delays-ms', '0,50,50']);
  client = new SocketModeClient({ appToken: APP_TOKEN, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: sandbox.apiUrl } });
  client.on('message', async ({ ack, event, body, retry_num: retryNum, retry_reason: retryReason }) => {
    events.push({ event, body, retryNum, retryReason });
    if (ackEverything) await ack();
  });
  await client.start();
});
after(async () => {
  await client.disconnect();
  await sandbox.stop();
});

test('a user message in the DM arrives shaped as Slack shapes it, and the ack is seen', async () => {
  const hal = await sandbox.addUser('hal');
  const posted = await sandbox.control(`users/${hal.id}/messages`, { text: 'hello from hal' });
  const got = await waitFor(() => events.find((e) => e.event.ts === posted.ts), 3000, 'the message event');
  assert.equal(got.event.type, 'message');
  assert.equal(got.event.channel_type, 'im');
  assert.equal(got.event.user, hal.id);
  assert.equal(got.event.text, 'hello from hal');
  assert.ok(got.event.client_msg_id);
  assert.equal(got.event.blocks[0].type, 'rich_text');
  assert.equal(got.body.type, 'event_callback');
  assert.match(got.body.event_id, /^Ev/);
  assert.equal(got.retryNum, 0);
  await waitFor(async () => (await sandbox.control('calls')).calls.acks >= 1, 3000, 'the ack');
});

test('an envelope that is not acked is redelivered with retry_attempt and retry_reason', async () => {
  ackEverything = false;
  const ida = await sandbox.addUser('ida');
  const posted = await sandbox.control(`users/${ida.id}/messages`, { text: 'nobody acks me' });
  const retry = await waitFor(() => events.find((e) => e.event.ts === posted.ts && e.retryNum === 1), 5000, 'a retry');
  assert.equal(retry.retryReason, 'timeout');
  const first = events.find((e) => e.event.ts === posted.ts && e.retryNum === 0);
  assert.equal(first.body.event_id, retry.body.event_id);
  ackEverything = true;
});

test('disconnect refresh_requested makes the client reconnect', async () => {
  let reconnected = false;
  client.once('connected', () => { reconnected = true; });
  await sandbox.control('socket/disconnect', { reason: 'refresh_requested' });
  await waitFor(() => reconnected, 10000, 'the reconnect');
  const jo = await sandbox.addUser('jo');
  const posted = await sandbox.control(`users/${jo.id}/messages`, { text: 'after reconnect' });
  await waitFor(() => events.find((e) => e.event.ts === posted.ts), 3000, 'an event after reconnect');
});
