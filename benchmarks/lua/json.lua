-- A wrk request for benchmarks/cpu-per-request.sh and thread-cpu.sh (aliases of bench-env.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in one short sentence."}]}]==]
