-- wrk script of bench/ingress: POST /balances (the command ledger.Add, handled by one worker)
-- on one of 1000 keys at random. The answers are counted by status as bench/e2e.lua counts
-- them (its setup, init, response and done; its `E2E {...}` line), only the request differs.
dofile(os.getenv("WARREN_BENCH_DIR") .. "/e2e.lua")

function request()
    local body = string.format('{"key":"k%d","amount":1}', math.random(1, 1000))
    return wrk.format("POST", "/balances", { ["Content-Type"] = "application/json" }, body)
end
