-- wrk script of bench/e2e --system coffee: the original's siege, POST /orders {"productId": "4"}
-- (the id as a string, as siege sent it), over the Available products bench/e2e registered
-- before the load (E2E_PRODUCT_IDS, comma-separated), counting answers by status.
local products = {}
for id in string.gmatch(os.getenv("E2E_PRODUCT_IDS") or "1", "[^,]+") do table.insert(products, id) end
local threads = {}
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
    math.randomseed(os.time() + id * 7919)
end

function request()
    local body = string.format('{"productId": "%s"}', products[math.random(#products)])
    return wrk.format("POST", "/orders", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        for status, count in pairs(thread:get("statuses")) do
            total[status] = (total[status] or 0) + count
        end
    end
    local parts = {}
    for status, count in pairs(total) do table.insert(parts, string.format('"%d":%d', status, count)) end
    io.write(string.format('E2E {"statuses":{%s},"p50_ms":%.2f,"p99_ms":%.2f,"requests":%d,"seconds":%.3f,"errors":%d}\n',
        table.concat(parts, ","), latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
        summary.duration / 1e6, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
