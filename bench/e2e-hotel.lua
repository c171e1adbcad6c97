-- wrk script of bench/e2e --system hotel: the original's booking, POST /orders {"name": ...,
-- "cardNo": ..., "status": "order start"} (paid through payment's RPC before the answer), a
-- new booking each time with a 16-digit card payment accepts, counting answers by status.
local names = { "BJ.Kang", "Jeon", "Kim", "Lee", "Park", "Choi", "Yoon", "Han" }
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
    local body = string.format('{"name":"%s","cardNo":"4%07d%08d","status":"order start"}',
        names[math.random(#names)], math.random(0, 9999999), math.random(0, 99999999))
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
