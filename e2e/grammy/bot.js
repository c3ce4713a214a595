// A grammY bot as its author would write it: an inline keyboard on /start and
// callback answers with a toast, an alert and a URL. Only the API root points
// at buttonflow. BF_MODE picks long polling ("polling") or a webhook
// ("webhook", served on BF_WEBHOOK_PORT with BF_WEBHOOK_SECRET).
const http = require("node:http");
const { Bot, InlineKeyboard, webhookCallback } = require("grammy");

const token = process.env.BF_BOT_TOKEN;
const apiRoot = process.env.BF_API_ROOT;
const mode = process.env.BF_MODE || "polling";

const bot = new Bot(token, { client: { apiRoot } });

bot.command("start", async (ctx) => {
  const keyboard = new InlineKeyboard()
    .text("Toast", "toast")
    .text("Alert", "alert")
    .row()
    .text("Link", "link")
    .url("Docs", "https://example.com/docs");
  await ctx.reply(`Hello ${ctx.from.first_name}, pick one (payload: ${ctx.match || "none"})`, {
    reply_markup: keyboard,
  });
});

bot.callbackQuery("toast", (ctx) => ctx.answerCallbackQuery({ text: `Toast for ${ctx.from.first_name}` }));
bot.callbackQuery("alert", (ctx) =>
  ctx.answerCallbackQuery({ text: "Are you sure?", show_alert: true, cache_time: 30 }),
);
bot.callbackQuery("link", async (ctx) => {
  await ctx.answerCallbackQuery({ url: `https://t.me/${ctx.me.username}?start=from_button` });
  await ctx.editMessageText("You chose the link", {
    reply_markup: new InlineKeyboard().text("Toast", "toast"),
  });
});

bot.catch((err) => {
  console.error("bot error:", err);
});

async function main() {
  if (mode === "webhook") {
    const port = Number(process.env.BF_WEBHOOK_PORT);
    const secretToken = process.env.BF_WEBHOOK_SECRET;
    const server = http.createServer(webhookCallback(bot, "http", { secretToken }));
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
    await bot.init();
    await bot.api.setWebhook(`http://127.0.0.1:${port}/hook`, { secret_token: secretToken });
    const info = await bot.api.getWebhookInfo();
    console.log(`webhook ${info.url}`);
    console.log("ready");
    return;
  }
  await bot.start({
    onStart: (me) => {
      console.log(`polling as @${me.username}`);
      console.log("ready");
    },
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
