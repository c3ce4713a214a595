// Logs in with client.start, as the seeds' examples do, and reports the flow.
//
// BF_ROLE=user: BF_PHONE, BF_PASSWORDS (a JSON list tried in turn when the
// account has a 2FA password), BF_FIRST_NAME / BF_LAST_NAME (for a new phone),
// BF_NEW_PASSWORD / BF_HINT (set a 2FA password with updateTwoFaSettings once
// logged in).
// BF_ROLE=bot: BF_BOT_TOKEN.
//
// Prints {flow, me, password, session}: what client.start asked for and the
// errors it saw, getMe() afterwards, the account.password after setting one.
'use strict';

const { Api } = require('telegram');
const { env, run, startUser, startBot, userJSON } = require('./lib');

run(async (client) => {
  await client.connect();
  const out = {};
  if (env('BF_ROLE') === 'bot') {
    const failed = await startBot(client, env('BF_BOT_TOKEN'));
    out.flow = { failed };
    if (failed) return out;
  } else {
    out.flow = await startUser(client, {
      phone: env('BF_PHONE'),
      passwords: JSON.parse(process.env.BF_PASSWORDS || '[]') || [],
      firstName: process.env.BF_FIRST_NAME || '',
      lastName: process.env.BF_LAST_NAME || '',
    });
    if (out.flow.failed) return out;
  }
  out.me = userJSON(await client.getMe());
  out.authorized = await client.checkAuthorization();
  if (process.env.BF_NEW_PASSWORD) {
    await client.updateTwoFaSettings({ newPassword: process.env.BF_NEW_PASSWORD, hint: process.env.BF_HINT || '' });
    const p = await client.invoke(new Api.account.GetPassword());
    out.password = { hasPassword: Boolean(p.hasPassword), hint: p.hint || '' };
  }
  out.session = client.session.save();
  return out;
});
