// The callback round trip on telegram-test-api, measured by
// bench/botapi_test.go beside the same flow on buttonflow: BF_USERS users of
// its client API each send a callback query (POST /sendCallback) and wait
// until a bot on its Bot API, polling getUpdates in a loop, has answered it
// with answerCallbackQuery; BF_PRESSES presses in all. telegram-test-api
// drops the answer (answerCallbackQuery returns null and tells the user
// nothing), so a round trip ends when the bot's answerCallbackQuery returns.
// Prints one JSON line: presses, elapsed_ms, cpu_us (this process), p50_ms,
// p99_ms.
const http = require("node:http");
const TelegramServer = require("telegram-test-api");

const presses = Number(process.env.BF_PRESSES);
const users = Number(process.env.BF_USERS);
const port = Number(process.env.BF_PORT);
const token = "bench_token";

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

// post sends a JSON body and resolves with the parsed answer.
function post(path, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path, method: "POST", agent,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) } },
      (res) => {
        let raw = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (raw += c));
        res.on("end", () => {
          try {
            resolve(JSON.parse(raw));
          } catch (err) {
            reject(new Error(`${path}: ${raw}`));
          }
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

async function main() {
  const server = new TelegramServer({ port, host: "127.0.0.1", storeTimeout: 600 });
  await server.start();
  const waiting = new Map(); // callback data -> resolve
  let running = true;

  // The bot: poll, answer every callback query at once.
  (async () => {
    let offset = 0;
    while (running) {
      const r = await post(`/bot${token}/getUpdates`, { offset, timeout: 30 });
      for (const u of r.result || []) {
        offset = Math.max(offset, u.update_id + 1);
        const q = u.callback_query;
        if (!q) continue;
        post(`/bot${token}/answerCallbackQuery`, { callback_query_id: q.id, text: "ok" }).then((a) => {
          if (!a.ok) throw new Error(`answerCallbackQuery: ${JSON.stringify(a)}`);
          const done = waiting.get(q.data);
          waiting.delete(q.data);
          if (done) done();
        });
      }
      if (!(r.result || []).length) await new Promise((res) => setImmediate(res));
    }
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });

  const clients = [];
  for (let i = 0; i < users; i++) {
    clients.push(server.getClient(token, { userId: 1000 + i, chatId: 1000 + i, firstName: `Presser${i}` }));
  }
  // One press per user first, as the buttonflow side warms up.
  const press = async (client, id) => {
    const start = process.hrtime.bigint();
    const answered = new Promise((resolve) => waiting.set(id, resolve));
    await client.sendCallback(client.makeCallbackQuery(id));
    await answered;
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  await Promise.all(clients.map((c, i) => press(c, `warm-${i}`)));

  const lat = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c, i) => {
      for (let j = next++; j < presses; j = next++) {
        lat.push(await press(c, `p-${j}`));
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  console.log(JSON.stringify({
    presses, elapsed_ms: elapsed, cpu_us: cpu.user + cpu.system,
    p50_ms: lat[Math.floor(presses / 2)], p99_ms: lat[Math.floor((presses * 99) / 100)],
  }));
  running = false;
  agent.destroy();
  await server.stop();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
