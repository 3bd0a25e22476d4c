-- A wrk request for benchmarks/cpu-per-request.sh and thread-cpu.sh (aliases of bench-env.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Tell me a story. [[sim tokens=20]]"}]}]==]
