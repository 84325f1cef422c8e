-- wrk script: chat.postMessage as Node's WebClient sends it (form-urlencoded, Bearer token).
-- The channel is a user id, so the sandbox opens the DM on the first call.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("SANDBOX_BOT_TOKEN") or "xoxb-sandbox-bot")
local channel = os.getenv("SANDBOX_CHANNEL") or "U00010001"
wrk.body = "channel=" .. channel .. "&text=Request%20%231234%3A%20VPN%20access%20is%20ready&unfurl_links=false"

