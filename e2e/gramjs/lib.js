// Shared set-up for the GramJS scripts: points an unmodified GramJS client at a
// buttonflow server. Only the address, the session and the server key change,
// as the seeds' examples promise.
//
// Environment: BF_HOST, BF_PORT (MTProto TCP), BF_HTTP_PORT (WebSocket),
// BF_KEY_N and BF_KEY_E (the server's RSA key, decimal), BF_KEY_FP (its
// fingerprint, signed decimal), BF_TRANSPORT (full | abridged | obfuscated |
// websocket), BF_SESSION (a StringSession, optional).
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
    baseLogger: new Logger(process.env.BF_LOG || 'error'),
  });
  client.session.setDC(2, host, port);
  return client;
}

// run executes main(client) and exits: GramJS keeps timers alive after disconnect.
function run(main) {
  const client = newClient();
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

module.exports = { newClient, run };
