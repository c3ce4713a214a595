// Connects and calls help.getConfig, as the seeds' examples call methods:
// client.invoke(new Api.help.GetConfig()).
'use strict';

const { Api } = require('telegram');
const { run } = require('./lib');

run(async (client) => {
  await client.connect();
  const cfg = await client.invoke(new Api.help.GetConfig());
  const pong = await client.invoke(new Api.Ping({ pingId: BigInt(12345) }));
  return {
    thisDc: cfg.thisDc,
    dcOptions: cfg.dcOptions.map((o) => ({ ip: o.ipAddress, port: o.port })),
    pingId: pong.pingId.toString(),
    session: client.session.save(),
  };
});
