// A user meets a bot's keyboards the way the seeds' examples do.
//
// The user logs in with client.start (BF_PHONE; BF_FIRST_NAME signs a new
// phone up), sends /start to the bot @BF_BOT, then:
//
// BF_MODE=reply: reads the bot's answer with client.getMessages(bot, {limit})
// until one carries a reply keyboard, reads it again by id, clicks the button whose text is
// BF_CLICK (GramJS sends that text as a message), and waits for the bot's
// next message (its answer to the click).
//
// BF_MODE=inline: waits for the bot's answer pushed to a NewMessage event
// handler (no polling) and reports its inline keyboard.
//
// Prints {me, keyboard, byId, clicked, answer}, messages as lib.js
// messageJSON (byId: the keyboard's message again, by client.getMessages with
// ids).
'use strict';

const { NewMessage } = require('telegram/events');
const { env, run, startUser, userJSON, messageJSON, waitFor } = require('./lib');

run(async (client) => {
  await client.connect();
  const flow = await startUser(client, {
    phone: env('BF_PHONE'),
    firstName: process.env.BF_FIRST_NAME || '',
    lastName: process.env.BF_LAST_NAME || '',
  });
  if (flow.failed) throw new Error(`login: ${flow.failed} (${flow.errors.join(', ')})`);
  const me = await client.getMe();
  const bot = env('BF_BOT');
  const out = { me: userJSON(me) };

  // Everything pushed to the user, as GramJS's NewMessage event sees it.
  const pushed = [];
  client.addEventHandler((event) => {
    pushed.push(event.message);
  }, new NewMessage({ incoming: true }));

  const started = await client.sendMessage(bot, { message: '/start' });

  if (env('BF_MODE') === 'inline') {
    const msg = await waitFor('the bot\'s keyboard pushed', () => pushed.find((m) => m.replyMarkup));
    out.keyboard = messageJSON(msg);
    out.keyboard.senderUsername = ((await msg.getSender()) || {}).username || '';
    return out;
  }

  // Reply keyboard: read the history like a client opening the chat.
  const msg = await waitFor('the bot\'s keyboard in getMessages', async () => {
    const history = await client.getMessages(bot, { limit: 5 });
    return history.find((m) => !m.out && m.id > started.id && m.replyMarkup);
  });
  out.keyboard = messageJSON(msg);
  out.byId = messageJSON((await client.getMessages(bot, { ids: [msg.id] }))[0]);
  const sent = await msg.click({ text: env('BF_CLICK') });
  out.clicked = messageJSON(sent);
  const answer = await waitFor('the bot\'s answer to the click', async () => {
    const history = await client.getMessages(bot, { limit: 5 });
    return history.find((m) => !m.out && m.id > sent.id);
  });
  out.answer = messageJSON(answer);
  out.pushedCount = pushed.length;
  return out;
});
