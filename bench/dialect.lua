-- wrk script: one non-streaming request in the dialect $BENCH_DIALECT ("chat" or
-- "messages") for the model $BENCH_MODEL, with the virtual key $BENCH_KEY.
local model = os.getenv("BENCH_MODEL")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
if os.getenv("BENCH_DIALECT") == "messages" then
    wrk.headers["anthropic-version"] = "2023-06-01"
    wrk.body = '{"model":"' .. model .. '","max_tokens":16,"system":"Be brief.","messages":[{"role":"user","content":"Say hello in one word."}]}'
else
    wrk.body = '{"model":"' .. model .. '","max_tokens":16,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello in one word."}]}'
end
