-- wrk script of bench/e2e --system library: POST /rentals {"memberId": M, "bookId": B}, each a
-- new reservation (paid through payment's RPC, then stored and announced), counting answers by
-- status. Members and books are drawn from 1..E2E_MEMBERS (1000) and 1..E2E_BOOKS (1000);
-- E2E_MEMBERS=1 E2E_BOOKS=1 is the original's siege ({"memberId":1, "bookId":1} every time).
local members = tonumber(os.getenv("E2E_MEMBERS") or "1000")
local books = tonumber(os.getenv("E2E_BOOKS") or "1000")
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
    local body = string.format('{"memberId":%d, "bookId":%d}', math.random(members), math.random(books))
    return wrk.format("POST", "/rentals", { ["Content-Type"] = "application/json" }, body)
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
