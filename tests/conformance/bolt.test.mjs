// A small Bolt app in Socket Mode that answers in the thread, against the sandbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import bolt from '@slack/bolt';
import { startSandbox, waitFor, BOT_TOKEN, APP_TOKEN } from './sandbox.mjs';

const { App, LogLevel } = bolt;
let sandbox;
let app;

before(async () => {
  sandbox = await startSandbox(['--ack-timeout-ms', '1000']);
  const clientOptions = { slackApiUrl: sandbox.apiUrl };
  app = new App({
    token: BOT_TOKEN, appToken: APP_TOKEN, socketMode: true, logLevel: LogLevel.ERROR,
    clientOptions, installerOptions: { clientOptions },
  });
  app.message(async ({ message, say }) => {
    if (message.subtype || message.bot_id) return;
    await say({ text: `Got it: ${message.text}`, thread_ts: message.thread_ts ?? message.ts });
  });
  await app.start();
});
after(async () => {
  await app.stop();
  await sandbox.stop();
});

test('a Bolt app replies in the thread of a user message, and ignores its own echo', async () => {
  const kim = await sandbox.addUser('kim');
  const posted = await sandbox.control(`users/${kim.id}/messages`, { text: 'my laptop is broken' });
  const thread = await waitFor(async () => {
    const msgs = await sandbox.messages(kim.dm, posted.ts);
    return msgs.length >= 2 ? msgs : null;
  }, 5000, 'the bot reply');
  assert.equal(thread[1].by_app, true);
  assert.equal(thread[1].thread_ts, posted.ts);
  assert.equal(thread[1].text, 'Got it: my laptop is broken');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await sandbox.messages(kim.dm, posted.ts)).length, 2, 'the echo of the reply was not answered');
});
