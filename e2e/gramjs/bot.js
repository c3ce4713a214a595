// A GramJS bot answering /start with a keyboard built with GramJS's Button
// helpers, as the seeds' examples build them.
//
// The bot logs in with client.start({botAuthToken: BF_BOT_TOKEN}), waits for
// /start pushed to a NewMessage event handler and answers "pick a color":
//
// BF_KEYBOARD=reply: a reply keyboard [[Red, Green], [Blue]]; it then waits
// for the user's "Red" and answers "you chose Red" removing the keyboard.
// BF_KEYBOARD=inline: an inline keyboard [[press a (data a), press b (data
// b)], [site (url)]], and ends.
//
// Prints "ready" once its handler is set (a user's /start sent before then
// would never reach it: GramJS does not ask for missed updates), then
// {me, start, sent, got}, messages as lib.js messageJSON.
'use strict';

const { Button } = require('telegram/tl/custom/button');
const { NewMessage } = require('telegram/events');
const { env, run, startBot, userJSON, messageJSON, waitFor, signalReady } = require('./lib');

run(async (client) => {
  await client.connect();
  const failed = await startBot(client, env('BF_BOT_TOKEN'));
  if (failed) throw new Error(`bot login: ${failed}`);
  const out = { me: userJSON(await client.getMe()) };

  const incoming = [];
  client.addEventHandler((event) => {
    incoming.push(event.message);
  }, new NewMessage({ incoming: true }));
  signalReady();

  const start = await waitFor('/start', () => incoming.find((m) => m.message === '/start'), 30000);
  out.start = messageJSON(start);
  const peer = await start.getInputChat();

  if (env('BF_KEYBOARD') === 'inline') {
    const sent = await client.sendMessage(peer, {
      message: 'pick a color',
      buttons: [
        [Button.inline('press a', Buffer.from('a')), Button.inline('press b', Buffer.from('b'))],
        [Button.url('site', 'https://example.com/colors')],
      ],
    });
    out.sent = messageJSON(sent);
    return out;
  }

  const sent = await client.sendMessage(peer, {
    message: 'pick a color',
    buttons: [[Button.text('Red', true), Button.text('Green', true)], [Button.text('Blue', true)]],
  });
  out.sent = messageJSON(sent);
  const got = await waitFor('the user\'s choice', () => incoming.find((m) => m.id > start.id), 30000);
  out.got = messageJSON(got);
  await client.sendMessage(peer, { message: `you chose ${got.message}`, buttons: Button.clear() });
  return out;
});
