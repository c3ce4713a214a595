// Shared set-up for the GramJS scripts: points an unmodified GramJS client at a
// buttonflow server. Only the address, the session and the server key change,
// as the seeds' examples promise.
//
// Environment: BF_HOST, BF_PORT (MTProto TCP), BF_HTTP_PORT (WebSocket),
// BF_KEY_N and BF_KEY_E (the server's RSA key, decimal), BF_KEY_FP (its
// fingerprint, signed decimal), BF_TRANSPORT (full | abridged | obfuscated |
// websocket), BF_SESSION (a StringSession, optional), BF_LOGIN_CODE (the
// server's --login-code, for startUser).
'use strict';

const { TelegramClient } = require('telegram');
const { StringSession } = require('telegram/sessions');
const { ConnectionTCPFull, ConnectionTCPAbridged, ConnectionTCPObfuscated } = require('telegram/network');
const { PromisedNetSockets, PromisedWebSockets } = require('telegram/extensions');
const { Logger } = require('telegram/extensions');
const RSA = require('telegram/crypto/RSA');
const bigInt = require('big-integer');

function env(name) {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`missing environment variable ${name}`);
  return v;
}

// GramJS ignores the port given to session.setDC (it uses 80 or 443), so each
// connection class is subclassed to force ours.
function withPort(Base, port) {
  return class extends Base {
    constructor(opts) {
      super({ ...opts, port });
    }
  };
}

// StderrLogger is GramJS's Logger writing to stderr: stdout carries only the
// script's JSON (GramJS logs errors it recovers from, such as a retried key
// exchange, with console.log).
class StderrLogger extends Logger {
  log(level, message) {
    process.stderr.write(`${this.format(message, level)}\n`);
  }
}

function newClient() {
  RSA._serverKeys.set(env('BF_KEY_FP'), { n: bigInt(env('BF_KEY_N')), e: Number(env('BF_KEY_E')) });
  const transport = process.env.BF_TRANSPORT || 'full';
  const host = env('BF_HOST');
  let connection;
  let networkSocket = PromisedNetSockets;
  let port = Number(env('BF_PORT'));
  switch (transport) {
    case 'full':
      connection = ConnectionTCPFull;
      break;
    case 'abridged':
      connection = ConnectionTCPAbridged;
      break;
    case 'obfuscated':
      connection = ConnectionTCPObfuscated;
      break;
    case 'websocket':
      connection = ConnectionTCPObfuscated;
      networkSocket = PromisedWebSockets;
      port = Number(env('BF_HTTP_PORT'));
      break;
    default:
      throw new Error(`unknown BF_TRANSPORT ${transport}`);
  }
  const session = new StringSession(process.env.BF_SESSION || '');
  const client = new TelegramClient(session, 17349, 'buttonflow-test', {
    connection: withPort(connection, port),
    networkSocket,
    connectionRetries: 2,
    retryDelay: 200,
    autoReconnect: false,
    baseLogger: new StderrLogger(process.env.BF_LOG || 'error'),
  });
  client.session.setDC(2, host, port);
  return client;
}

// run executes main(client) and exits: GramJS keeps timers alive after disconnect.
function run(main) {
  const client = newClient();
  // Unhandled errors inside GramJS's update loop must not pass silently.
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`unhandled rejection: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
  main(client).then(
    (out) => {
      process.stdout.write(JSON.stringify(out) + '\n');
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    },
  );
}

// startUser logs a user in with client.start, the way the seeds' examples
// do: phone, the login code, then the 2FA password or the names for sign-up.
// passwords are tried in turn (a wrong one makes GramJS ask again). It
// returns what the flow asked for and the errors GramJS reported.
async function startUser(client, { phone, passwords = [], firstName = '', lastName = '' }) {
  const flow = { codeAsked: 0, passwordHints: [], namesAsked: 0, errors: [] };
  let next = 0;
  try {
    await client.start({
      phoneNumber: phone,
      phoneCode: async () => {
        flow.codeAsked++;
        return env('BF_LOGIN_CODE');
      },
      password: async (hint) => {
        flow.passwordHints.push(hint || '');
        if (next >= passwords.length) throw new Error('no password left to try');
        return passwords[next++];
      },
      firstAndLastNames: async () => {
        flow.namesAsked++;
        return [firstName, lastName];
      },
      // Returning true stops the flow; only a wrong password is retried.
      onError: async (err) => {
        flow.errors.push(errorText(err));
        return !(err && err.errorMessage === 'PASSWORD_HASH_INVALID' && next < passwords.length);
      },
    });
  } catch (err) {
    flow.failed = errorText(err);
  }
  return flow;
}

// startBot logs a bot in with its token; it returns the error text, if any.
async function startBot(client, token) {
  try {
    await client.start({ botAuthToken: token });
    return '';
  } catch (err) {
    return errorText(err);
  }
}

function errorText(err) {
  if (err && err.errorMessage) return err.errorMessage;
  return String((err && err.message) || err);
}

// userJSON describes an Api.User for the Go side.
function userJSON(u) {
  if (!u) return null;
  return {
    id: String(u.id),
    firstName: u.firstName || '',
    lastName: u.lastName || '',
    username: u.username || '',
    phone: u.phone || '',
    bot: Boolean(u.bot),
    self: Boolean(u.self),
  };
}

// markupJSON describes a reply markup as layer 198 shaped it.
function markupJSON(m) {
  if (!m) return null;
  const out = { className: m.className };
  if (m.rows) {
    out.rows = m.rows.map((row) => ({
      className: row.className,
      buttons: row.buttons.map((b) => {
        const o = { className: b.className, text: b.text };
        if (b.data !== undefined) o.data = Buffer.from(b.data).toString();
        if (b.url !== undefined) o.url = b.url;
        if (b.requiresPassword) o.requiresPassword = true;
        return o;
      }),
    }));
  }
  for (const k of ['resize', 'singleUse', 'selective', 'persistent', 'placeholder']) {
    if (m[k] !== undefined && m[k] !== null) out[k] = m[k];
  }
  return out;
}

// messageJSON describes an Api.Message for the Go side.
function messageJSON(m) {
  if (!m) return null;
  return {
    id: m.id,
    out: Boolean(m.out),
    text: m.message,
    senderId: m.senderId !== undefined && m.senderId !== null ? String(m.senderId) : '',
    markup: markupJSON(m.replyMarkup),
  };
}

// answerJSON describes a messages.BotCallbackAnswer as the user got it, every
// field spelled out (absent flags as false / '').
function answerJSON(a) {
  if (!a) return null;
  return {
    className: a.className,
    alert: Boolean(a.alert),
    hasUrl: Boolean(a.hasUrl),
    nativeUi: Boolean(a.nativeUi),
    message: a.message === undefined || a.message === null ? '' : a.message,
    url: a.url === undefined || a.url === null ? '' : a.url,
    cacheTime: a.cacheTime,
  };
}

// rpcErrorJSON describes an error thrown by invoke: an RPCError's code and
// message, or any other error's text (code 0).
function rpcErrorJSON(err) {
  if (err && err.errorMessage) return { code: err.code || 0, message: err.errorMessage, rpc: true };
  return { code: 0, message: errorText(err), rpc: false };
}

// signalReady tells the Go test that the script is set up (logged in, its
// event handlers added): the line "ready" on stdout, before the JSON.
function signalReady() {
  process.stdout.write('ready\n');
}

// waitFor polls fn every interval ms until it returns a truthy value.
async function waitFor(what, fn, timeoutMs = 15000, interval = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

module.exports = {
  env,
  newClient,
  run,
  startUser,
  startBot,
  errorText,
  userJSON,
  markupJSON,
  messageJSON,
  answerJSON,
  rpcErrorJSON,
  waitFor,
  signalReady,
};
