-- wrk script: POST the host invocation bodies of benches/bodies/ in rotation to /EventGridTrigger,
-- as the Functions host does (JSON body, host headers). Counts non-2xx replies.
-- BODIES (comma-separated names), BODIES_DIR and FUNCTION (the URL path, default
-- EventGridTrigger) pick other bodies, e.g. the Event Hubs batches of scripts/loadtest-batch.sh.
local names = { "sms-received", "sms-stop", "sms-delivery-report", "chat-message-received", "unknown-type" }
if os.getenv("BODIES") then
  names = {}
  for name in string.gmatch(os.getenv("BODIES"), "[^,]+") do table.insert(names, name) end
end
local dir = os.getenv("BODIES_DIR") or "benches/bodies"
local path = "/" .. (os.getenv("FUNCTION") or "EventGridTrigger")
local requests = {}
local counter = 0
local failures = 0

function init(args)
  for i, name in ipairs(names) do
    local f = assert(io.open(dir .. "/" .. name .. ".json", "rb"))
    local body = f:read("*a")
    f:close()
    requests[i] = wrk.format("POST", path, {
      ["Content-Type"] = "application/json; charset=utf-8",
      ["X-Azure-Functions-HostVersion"] = "4.1036.1.23224",
      ["X-Azure-Functions-InvocationId"] = "5b8f3c2e-1f2d-4a5e-9c1b-2f7f0b6f1a01",
      ["User-Agent"] = "Azure-Functions-Host/4.1036.1.23224",
    }, body)
  end
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_us=%d p99_us=%d requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
