// A GramJS user pressing a bot's callback buttons, with the seeds' own code
// (client.invoke(new Api.messages.GetBotCallbackAnswer({...}))) and with
// GramJS's message.click.
//
// The user logs in with client.start (BF_PHONE; BF_FIRST_NAME signs a new
// phone up), sends /start to the bot @BF_BOT, waits for the bot's inline
// keyboard pushed to a NewMessage event handler, then runs the steps of
// BF_STEPS (a JSON list) in order, each one of:
//
//   {"invoke": {"data", "msgId", "password", "emptyPassword"}}: the seeds'
//     example, client.invoke(new Api.messages.GetBotCallbackAnswer({peer,
//     msgId, data: Buffer.from(data), password})) with peer the bot as an
//     Api.InputPeerUser. msgId defaults to the keyboard's id; data left out
//     sends none; password is computed from the text with GramJS's SRP code
//     (telegram/Password computeCheck on account.getPassword), emptyPassword
//     sends inputCheckPasswordEmpty.
//     (The seeds write `new Api.messages.getBotCallbackAnswer`: GramJS
//     exports the class as Api.messages.GetBotCallbackAnswer, and
//     Api.messages.getBotCallbackAnswer is undefined.)
//   {"click": {"data" | "text" | "i", "j", "password"}}: message.click({data,
//     password}), message.click({text, password}) or message.click({i, j,
//     password}) on the keyboard's message
//     (GramJS's click takes one object; i alone is a flat index).
//   {"setPassword": "text"}: client.updateTwoFaSettings({newPassword}).
//
// Prints {me, keyboard, steps}: keyboard as lib.js messageJSON, and per step
// {returned, answer, error, ms}: returned is "null", "undefined" or the
// class name of what the call returned, answer lib.js answerJSON, error
// lib.js rpcErrorJSON of what it threw, ms how long it took.
'use strict';

const { Api } = require('telegram');
const { NewMessage } = require('telegram/events');
const { computeCheck } = require('telegram/Password');
const { env, run, startUser, userJSON, messageJSON, answerJSON, rpcErrorJSON, waitFor } = require('./lib');

run(async (client) => {
  await client.connect();
  const flow = await startUser(client, {
    phone: env('BF_PHONE'),
    firstName: process.env.BF_FIRST_NAME || '',
    lastName: process.env.BF_LAST_NAME || '',
  });
  if (flow.failed) throw new Error(`login: ${flow.failed} (${flow.errors.join(', ')})`);
  const out = { me: userJSON(await client.getMe()), steps: [] };

  const pushed = [];
  client.addEventHandler((event) => {
    pushed.push(event.message);
  }, new NewMessage({ incoming: true }));

  const botName = env('BF_BOT');
  await client.sendMessage(botName, { message: '/start' });
  const keyboard = await waitFor('the bot\'s inline keyboard pushed', () =>
    pushed.find((m) => m.replyMarkup instanceof Api.ReplyInlineMarkup), 90000);
  out.keyboard = messageJSON(keyboard);
  const bot = await client.getInputEntity(botName);

  for (const step of JSON.parse(env('BF_STEPS'))) {
    const started = Date.now();
    const res = {};
    try {
      let result;
      if (step.setPassword !== undefined) {
        result = await client.updateTwoFaSettings({ newPassword: step.setPassword });
      } else if (step.invoke) {
        const s = step.invoke;
        let password;
        if (s.password !== undefined) {
          password = await computeCheck(await client.invoke(new Api.account.GetPassword()), s.password);
        } else if (s.emptyPassword) {
          password = new Api.InputCheckPasswordEmpty();
        }
        // The seeds' example, with this server's peer and message.
        result = await client.invoke(
          new Api.messages.GetBotCallbackAnswer({
            peer: new Api.InputPeerUser({ userId: bot.userId, accessHash: bot.accessHash }),
            msgId: s.msgId || keyboard.id,
            data: s.data === undefined ? undefined : Buffer.from(s.data),
            password,
          }),
        );
      } else if (step.click) {
        const s = step.click;
        if (s.data !== undefined) {
          result = await keyboard.click({ data: Buffer.from(s.data), password: s.password });
        } else if (s.text !== undefined) {
          result = await keyboard.click({ text: s.text, password: s.password });
        } else {
          result = await keyboard.click({ i: s.i, j: s.j, password: s.password });
        }
      } else {
        throw new Error(`unknown step ${JSON.stringify(step)}`);
      }
      if (result === null) res.returned = 'null';
      else if (result === undefined) res.returned = 'undefined';
      else res.returned = result.className || typeof result;
      if (result instanceof Api.messages.BotCallbackAnswer) res.answer = answerJSON(result);
    } catch (err) {
      res.error = rpcErrorJSON(err);
    }
    res.ms = Date.now() - started;
    out.steps.push(res);
  }
  return out;
});
