// A GramJS bot answering callback queries with the seeds' own code:
// client.invoke(new Api.messages.SetBotCallbackAnswer({queryId, message,
// alert, url, cacheTime})) from a CallbackQuery event handler.
// (The seeds write `new Api.messages.setBotCallbackAnswer`: GramJS exports
// the class as Api.messages.SetBotCallbackAnswer.)
//
// The bot logs in with client.start({botAuthToken: BF_BOT_TOKEN}), waits for
// /start pushed to a NewMessage event handler and answers "pick" with the
// inline keyboard BF_BUTTONS (JSON rows of {text, data}, built with GramJS's
// Button.inline).
//
// BF_ANSWERS (JSON) maps a button's data to the answers the bot tries in
// turn until one succeeds, each the fields of SetBotCallbackAnswer (alert,
// message, url, cacheTime) and optionally delayMs, a wait before sending it;
// data without answers is never answered. The bot ends once it heard
// BF_QUERIES callback queries and its answers to them are done.
//
// Prints "ready" once its handlers are set, then {me, start, sent, queries}:
// messages as lib.js messageJSON, and per query in the order heard
// {queryId, data, userId, msgId, chatInstance, peer, answers}, answers
// holding per answer tried true or lib.js rpcErrorJSON.
'use strict';

const { Api } = require('telegram');
const { Button } = require('telegram/tl/custom/button');
const { NewMessage } = require('telegram/events');
// telegram/events exports only Raw and NewMessage in 2.26.22: CallbackQuery
// has its own module.
const { CallbackQuery } = require('telegram/events/CallbackQuery');
const { env, run, startBot, userJSON, messageJSON, rpcErrorJSON, waitFor, signalReady } = require('./lib');

run(async (client) => {
  await client.connect();
  const failed = await startBot(client, env('BF_BOT_TOKEN'));
  if (failed) throw new Error(`bot login: ${failed}`);
  const out = { me: userJSON(await client.getMe()), queries: [] };
  const answers = JSON.parse(env('BF_ANSWERS'));
  const want = Number(env('BF_QUERIES'));

  const incoming = [];
  client.addEventHandler((event) => {
    incoming.push(event.message);
  }, new NewMessage({ incoming: true }));

  const answering = [];
  client.addEventHandler((event) => {
    const q = event.query;
    const data = Buffer.from(q.data || []).toString();
    const heard = {
      queryId: String(q.queryId),
      data,
      userId: String(q.userId),
      msgId: q.msgId,
      chatInstance: String(q.chatInstance),
      peer: q.peer ? { className: q.peer.className, id: String(q.peer.userId || q.peer.chatId || q.peer.channelId) } : null,
      answers: [],
    };
    out.queries.push(heard);
    // Answered outside the handler: GramJS runs handlers one at a time.
    answering.push(
      (async () => {
        for (const a of answers[data] || []) {
          if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
          try {
            // The seeds' example, with the query's id.
            const result = await client.invoke(
              new Api.messages.SetBotCallbackAnswer({
                alert: a.alert,
                queryId: q.queryId,
                message: a.message,
                url: a.url,
                cacheTime: a.cacheTime || 0,
              }),
            );
            heard.answers.push(result === true ? true : String(result));
            return;
          } catch (err) {
            heard.answers.push(rpcErrorJSON(err));
          }
        }
      })(),
    );
  }, new CallbackQuery({}));
  signalReady();

  const start = await waitFor('/start', () => incoming.find((m) => m.message === '/start'), 90000);
  out.start = messageJSON(start);
  const rows = JSON.parse(env('BF_BUTTONS')).map((row) => row.map((b) => Button.inline(b.text, Buffer.from(b.data))));
  out.sent = messageJSON(await client.sendMessage(await start.getInputChat(), { message: 'pick', buttons: rows }));

  await waitFor(`${want} callback queries`, () => out.queries.length >= want, 90000);
  await Promise.all(answering);
  return out;
});
