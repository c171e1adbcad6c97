-- wrk script of bench/e2e --system storage: POST /storagecalls {"tel", "location", "status": "호출",
-- "cost"}, each a new call (storagemanage takes it over RPC before the answer, then storageassign
-- assigns a unit and the customer's mypage follows), counting answers by status. Locations are
-- E2E_LOCATIONS (comma-separated, Korean: the plug-in's, each with its units in STORAGE_UNITS;
-- 마포 by default, which has three units in the default STORAGE_UNITS).
local locations = {}
for name in string.gmatch(os.getenv("E2E_LOCATIONS") or "마포", "[^,]+") do table.insert(locations, name) end
local threads = {}
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
    sent = 0
    math.randomseed(os.time() + id * 7919)
end

function request()
    sent = sent + 1
    local body = string.format('{"tel":"010%08d","location":"%s","status":"호출","cost":25000}',
        (id * 10000000 + sent) % 100000000, locations[math.random(#locations)])
    return wrk.format("POST", "/storagecalls", { ["Content-Type"] = "application/json; charset=utf-8" }, body)
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
