// @slack/web-api's WebClient against the sandbox: every Web API method Threadline uses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebClient, ErrorCode } from '@slack/web-api';
import { startSandbox, BOT_TOKEN, APP_TOKEN } from './sandbox.mjs';

let sandbox;
let client;

before(async () => {
  sandbox = await startSandbox(['--no-rate-limits']);
  client = new WebClient(BOT_TOKEN, { slackApiUrl: sandbox.apiUrl, retryConfig: { retries: 0 } });
});
after(async () => sandbox.stop());

async function slackError(promise) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.code, ErrorCode.PlatformError, `unexpected error ${e.message}`);
    return e.data.error;
  }
  assert.fail('expected a Slack error');
}

test('auth.test identifies the bot', async () => {
  const r = await client.auth.test();
  assert.equal(r.ok, true);
  assert.match(r.user_id, /^U/);
  assert.match(r.bot_id, /^B/);
  assert.match(r.team_id, /^T/);
});

test('wrong tokens get Slack error codes', async () => {
  const bad = new WebClient('xoxb-wrong', { slackApiUrl: sandbox.apiUrl, retryConfig: { retries: 0 } });
  assert.equal(await slackError(bad.auth.test()), 'invalid_auth');
  const none = new WebClient(undefined, { slackApiUrl: sandbox.apiUrl, retryConfig: { retries: 0 } });
  assert.equal(await slackError(none.auth.test()), 'not_authed');
  const app = new WebClient(APP_TOKEN, { slackApiUrl: sandbox.apiUrl, retryConfig: { retries: 0 } });
  assert.equal(await slackError(app.chat.postMessage({ channel: 'D1', text: 'x' })), 'not_allowed_token_type');
});

test('users.list, users.info and users.lookupByEmail', async () => {
  const ann = await sandbox.addUser('ann');
  const list = await client.users.list({});
  assert.ok(list.members.some((m) => m.id === ann.id && m.profile.email === 'ann@example.com'));
  const info = await client.users.info({ user: ann.id });
  assert.equal(info.user.name, 'ann');
  const byEmail = await client.users.lookupByEmail({ email: 'ann@example.com' });
  assert.equal(byEmail.user.id, ann.id);
  assert.equal(await slackError(client.users.info({ user: 'UNOPE' })), 'user_not_found');
  assert.equal(await slackError(client.users.lookupByEmail({ email: 'nobody@example.com' })), 'users_not_found');
});

test('conversations.open is idempotent and returns the D id', async () => {
  const bea = await sandbox.addUser('bea', { open_dm: false });
  const first = await client.conversations.open({ users: bea.id });
  assert.match(first.channel.id, /^D/);
  const again = await client.conversations.open({ users: bea.id, return_im: true });
  assert.equal(again.channel.id, first.channel.id);
  assert.equal(again.already_open, true);
  assert.equal(again.channel.is_im, true);
  assert.equal(await slackError(client.conversations.open({ users: 'UNOPE' })), 'user_not_found');
});

test('chat.postMessage: top level, thread reply, blocks, metadata, user id as channel', async () => {
  const cy = await sandbox.addUser('cy');
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Request #1*' } }];
  const parent = await client.chat.postMessage({
    channel: cy.id, text: 'Request #1: VPN', blocks,
    metadata: { event_type: 'threadline_summary', event_payload: { request: 1 } },
    unfurl_links: false,
  });
  assert.equal(parent.channel, cy.dm);
  assert.equal(parent.message.bot_id.startsWith('B'), true);
  assert.deepEqual(parent.message.blocks, blocks);
  const reply = await client.chat.postMessage({ channel: cy.dm, thread_ts: parent.ts, text: 'an update' });
  assert.equal(reply.message.thread_ts, parent.ts);
  const broadcast = await client.chat.postMessage({ channel: cy.dm, thread_ts: parent.ts, text: 'also in channel', reply_broadcast: true });
  assert.equal(broadcast.message.subtype, 'thread_broadcast');
  assert.equal(await slackError(client.chat.postMessage({ channel: cy.dm })), 'no_text');
  assert.equal(await slackError(client.chat.postMessage({ channel: 'C123', text: 'x' })), 'channel_not_found');
  assert.equal(await slackError(client.chat.postMessage({ channel: cy.dm, text: 'x', blocks: '[not json' })), 'invalid_blocks_format');

  const replies = await client.conversations.replies({ channel: cy.dm, ts: parent.ts, include_all_metadata: true });
  assert.equal(replies.messages.length, 3);
  assert.equal(replies.messages[0].ts, parent.ts);
  assert.equal(replies.messages[0].reply_count, 2);
  assert.equal(replies.messages[0].metadata.event_type, 'threadline_summary');
  assert.equal(replies.messages[1].parent_user_id, (await client.auth.test()).user_id);

  const history = await client.conversations.history({ channel: cy.dm });
  assert.deepEqual(history.messages.map((m) => m.ts), [broadcast.ts, parent.ts]);
});

test('chat.update: text without blocks removes blocks; metadata kept when omitted', async () => {
  const di = await sandbox.addUser('di');
  const posted = await client.chat.postMessage({
    channel: di.dm, text: 'v1', blocks: [{ type: 'section', text: { type: 'plain_text', text: 'v1' } }],
    metadata: { event_type: 'x', event_payload: { a: 1 } },
  });
  const updated = await client.chat.update({ channel: di.dm, ts: posted.ts, text: 'v2' });
  assert.equal(updated.text, 'v2');
  const [m] = (await client.conversations.history({ channel: di.dm, include_all_metadata: true })).messages;
  assert.equal(m.text, 'v2');
  assert.equal(m.blocks, undefined);
  assert.equal(m.metadata.event_type, 'x');
  assert.ok(m.edited);
  assert.equal(await slackError(client.chat.update({ channel: di.id, ts: posted.ts, text: 'x' })), 'channel_not_found');
  assert.equal(await slackError(client.chat.update({ channel: di.dm, ts: '1.000001', text: 'x' })), 'message_not_found');
});

test('the app can edit and delete only its own messages', async () => {
  const ed = await sandbox.addUser('ed');
  const mine = await client.chat.postMessage({ channel: ed.dm, text: 'mine' });
  const theirs = await sandbox.control(`users/${ed.id}/messages`, { text: 'theirs', thread_ts: mine.ts });
  assert.equal(await slackError(client.chat.update({ channel: ed.dm, ts: theirs.ts, text: 'x' })), 'cant_update_message');
  assert.equal(await slackError(client.chat.delete({ channel: ed.dm, ts: theirs.ts })), 'cant_delete_message');
  const own = await client.chat.postMessage({ channel: ed.dm, text: 'to delete' });
  const del = await client.chat.delete({ channel: ed.dm, ts: own.ts });
  assert.equal(del.ts, own.ts);
  assert.equal(await slackError(client.chat.delete({ channel: ed.dm, ts: own.ts })), 'message_not_found');
  // A parent with replies becomes a tombstone.
  await client.chat.delete({ channel: ed.dm, ts: mine.ts });
  const thread = await client.conversations.replies({ channel: ed.dm, ts: mine.ts });
  assert.equal(thread.messages[0].subtype, 'tombstone');
  assert.equal(thread.messages[1].text, 'theirs');
});

test('conversations.replies and history page with cursors', async () => {
  const fi = await sandbox.addUser('fi');
  const parent = await client.chat.postMessage({ channel: fi.dm, text: 'parent' });
  for (let i = 0; i < 5; i++) await client.chat.postMessage({ channel: fi.dm, thread_ts: parent.ts, text: `r${i}` });
  const seen = [];
  for await (const page of client.paginate('conversations.replies', { channel: fi.dm, ts: parent.ts, limit: 2 })) {
    seen.push(...page.messages.map((m) => m.text));
  }
  assert.deepEqual(seen, ['parent', 'r0', 'r1', 'r2', 'r3', 'r4']);
  assert.equal(await slackError(client.conversations.replies({ channel: fi.dm, ts: '1.000002' })), 'thread_not_found');
});

test('files: upload URL, raw and multipart upload, complete, files.info, url_private', async () => {
  const gus = await sandbox.addUser('gus');
  const parent = await client.chat.postMessage({ channel: gus.dm, text: 'with file' });
  const up = await client.files.uploadV2({
    channel_id: gus.dm, thread_ts: parent.ts, file: Buffer.from('hello file'), filename: 'note.txt',
    title: 'A note', initial_comment: 'here it is',
  });
  assert.equal(up.ok, true);
  const fileId = up.files[0].files[0].id;
  const info = await client.files.info({ file: fileId });
  assert.equal(info.file.name, 'note.txt');
  assert.equal(info.file.title, 'A note');
  assert.equal(info.file.size, 10);
  const authed = await fetch(info.file.url_private_download, { headers: { authorization: `Bearer ${BOT_TOKEN}` } });
  assert.equal(await authed.text(), 'hello file');
  const anonymous = await fetch(info.file.url_private);
  assert.match(anonymous.headers.get('content-type'), /text\/html/);
  const thread = await client.conversations.replies({ channel: gus.dm, ts: parent.ts });
  const share = thread.messages[1];
  assert.equal(share.files[0].id, fileId);
  assert.equal(share.text, 'here it is');

  // The raw variant: bytes posted as the body.
  const url = await client.files.getUploadURLExternal({ filename: 'raw.bin', length: 3 });
  const res = await fetch(url.upload_url, { method: 'POST', body: Buffer.from([1, 2, 3]) });
  assert.equal(res.status, 200);
  const done = await client.files.completeUploadExternal({ files: [{ id: url.file_id }] });
  assert.equal(done.files[0].id, url.file_id);
  assert.equal(await slackError(client.files.info({ file: 'FNOPE' })), 'file_not_found');
});

test('apps.connections.open takes the app token in the header only', async () => {
  const app = new WebClient(APP_TOKEN, { slackApiUrl: sandbox.apiUrl, retryConfig: { retries: 0 } });
  const r = await app.apps.connections.open();
  assert.match(r.url, /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
  assert.equal(await slackError(client.apps.connections.open()), 'not_allowed_token_type');
  const form = await fetch(`${sandbox.apiUrl}apps.connections.open`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${APP_TOKEN}`,
  });
  assert.equal((await form.json()).error, 'not_authed');
});

test('rate limits answer 429 with Retry-After', async () => {
  await sandbox.control('limits', { enabled: true, methods: { 'users.info': 2 } });
  const strict = new WebClient(BOT_TOKEN, { slackApiUrl: sandbox.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  const ann = (await strict.users.list({})).members[0];
  await strict.users.info({ user: ann.id });
  await strict.users.info({ user: ann.id });
  await assert.rejects(strict.users.info({ user: ann.id }), (e) => {
    assert.equal(e.code, ErrorCode.RateLimitedError);
    assert.ok(e.retryAfter >= 1);
    return true;
  });
  await sandbox.control('limits', { enabled: false });
  const calls = (await sandbox.control('calls')).calls;
  assert.ok(calls.rate_limited >= 1);
  assert.ok(calls.methods['users.info'].outcomes['429'] >= 1);
});
