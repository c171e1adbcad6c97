-- wrk script of bench/e2e: POST /cleaningReservations with a new reservation each time
-- (60 days, six places, prices 10 to 500), counting answers by status.
local places = { "Seoul", "Busan", "Incheon", "Daegu", "Gwangju", "Suwon" }
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
    local day = math.random(0, 59)
    local body = string.format('{"requestDate":"2027-%02d-%02d","place":"%s","price":%d,"payKind":"card"}',
        1 + math.floor(day / 28), 1 + day % 28, places[math.random(#places)], math.random(10, 500) * 100)
    return wrk.format("POST", "/cleaningReservations", { ["Content-Type"] = "application/json" }, body)
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
