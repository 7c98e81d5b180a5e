#!/usr/bin/env python3
"""Writes bench_postgres's figures into benchmarks/RESULTS.md.

The PostgreSQL section sits between <!-- postgres:begin --> and <!-- postgres:end --> at the
end of RESULTS.md (report.py keeps it when it regenerates the rest); inside it, each server
mode (`tests`: the tests' cluster settings, `durable`: PostgreSQL's defaults) has a block of
its own, replaced by the next run in that mode. Only measured numbers are written.
"""
import argparse
import json
import platform
import re
import subprocess

BEGIN, END = "<!-- postgres:begin -->", "<!-- postgres:end -->"

HEADER = """## PostgreSQL (`benchmarks/postgres/`)

The SQLite scenarios on `PostgresStorage`, with 1 and 3 engine processes (forked, each with its
own connection and engine) on one database of a throwaway PostgreSQL 15 cluster on the same
machine, over a loopback TCP connection (`tests/postgres/pg_cluster.sh`, as the tests start
theirs). Actions: the six-step loop on each process's own cases, for a fixed time; latency of
each action as the caller sees it (batched: the batch's time per action). Sweep: k = 1,000 due
among n open cases; the time until every process's `advance_to`, started at the same instant,
has returned, and the conflicts they retried (the version check deciding who stores each event).
The n − k background cases are copies of one engine-registered case made by one
`INSERT ... SELECT generate_series` (registering a million cases one by one would take hours
here); they are in the tables and indexes like any other, only their chain hashes are not
recomputed (the sweep never reads them). See `benchmarks/postgres/README.md`.
"""


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine():
    cores = run(["nproc"])
    mem = ""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    os_name = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return f"{cores} cores, {mem}, {os_name}, Linux {platform.release()}"


def fmt(x, digits=0):
    return f"{x:,.{digits}f}"


def block(data, args):
    ctx = data["context"]
    rows = {b["name"]: b for b in data["benchmarks"] if b.get("run_type") == "iteration"}
    pg = run(["bash", "-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1"]) + "/postgres"
    version = run([pg, "--version"])
    mode_text = {
        "tests": "the tests' settings: `fsync`, `synchronous_commit` and `full_page_writes` off "
                 "(a crash of the server may lose recent commits or damage the cluster: for tests only)",
        "durable": "PostgreSQL's defaults: `fsync`, `synchronous_commit` and `full_page_writes` on "
                   "(each commit waits for its WAL flush)",
    }[args.mode]
    out = [f"<!-- postgres:{args.mode}:begin -->", f"### Server settings: {args.mode}", "", "| | |", "|---|---|",
           f"| date | {ctx['date']} |", f"| machine | {machine()} (a VM; what else ran shows in the load average below) |",
           f"| server | {version}, {mode_text} |",
           f"| load average at the start (1, 5, 15 min) | {args.load} |",
           f"| command | `{args.command}` ({args.seconds} s) |", ""]
    # runs[(kind, procs, batched)][round] = the benchmark's row
    runs = {}
    for name, b in rows.items():
        m = re.match(r"BM_(Actions|Raw)Postgres/procs:(\d+)/batched:(\d)/round:(\d+)", name)
        if m:
            runs.setdefault((m.group(1), m.group(2), m.group(3)), {})[m.group(4)] = b

    def median(values):
        v = sorted(values)
        return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2

    def rate(key):
        return median([b["actions_per_s"] for b in runs[key].values()])

    def ratios(engine_key, raw_key):
        # Time per action is 1 / rate: engine time / raw time = raw rate / engine rate, per
        # round (the two ran one after the other).
        e, r = runs.get(engine_key, {}), runs.get(raw_key, {})
        return [r[k]["actions_per_s"] / e[k]["actions_per_s"] for k in sorted(e) if k in r]

    out += ["| actions | processes | engine actions/s (all processes) | raw libpqxx actions/s | "
            "engine time ÷ raw time (median; each round) | engine p50 latency | engine p99 latency | "
            "raw p50 latency |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for procs in ("1", "3"):
        for batched in ("0", "1"):
            ek, rk = ("Actions", procs, batched), ("Raw", procs, batched)
            if ek not in runs:
                continue
            pattern = "one transaction per action" if batched == "0" else "batched (100 lifecycles per batch)"
            rs = ratios(ek, rk)
            ratio = (f"**{median(rs):.2f}×** ({', '.join(f'{x:.2f}' for x in rs)})") if rs else "not run"
            e_runs = list(runs[ek].values())
            raw_p50 = f"{median([b['p50_ms'] for b in runs[rk].values()]):.2f} ms" if rk in runs else "not run"
            out.append(f"| {pattern} | {procs} | {fmt(rate(ek))} | {fmt(rate(rk)) if rk in runs else 'not run'} | "
                       f"{ratio} | {median([b['p50_ms'] for b in e_runs]):.2f} ms | "
                       f"{median([b['p99_ms'] for b in e_runs]):.2f} ms | {raw_p50} |")
    sp = [p for p in ("1", "3") if ("Raw", p, "2") in runs]
    if sp:
        out += ["", "The raw writer's batches with a savepoint around each action, set as the adapter sets them "
                "(one more round trip per action; every savepoint that writes is a subtransaction): " +
                "; ".join(f"{p} process{'es' if p != '1' else ''}: {fmt(rate(('Raw', p, '2')))} actions/s, "
                          f"engine time ÷ this {median(ratios(('Actions', p, '1'), ('Raw', p, '2'))):.2f}×"
                          for p in sp) + "."]
    n_rounds = max((len(v) for v in runs.values()), default=0)
    out += ["", f"Raw libpqxx: the rows the adapter wrote for each step of the loop (read back from its tables "
            "after an engine run: the cases row, the events row, no outbox row without an outbox policy), "
            "written with prepared statements into the adapter's own schema (tables, indexes, triggers) "
            "in the same transaction pattern and processes, reading nothing and checking no configuration. "
            f"The engine and the raw writer took turns, pattern by pattern, {n_rounds} rounds of "
            f"{args.run_seconds} s each; rates and latencies are the medians of the rounds, the ratio is "
            "the median of the rounds' ratios (each in brackets)."]
    out += ["", "| sweep | processes | n open | k due | advance_to (mean of rounds) | per fired event | "
            "conflicts retried per round | building the n − k cases |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, b in rows.items():
        m = re.match(r"BM_SweepPostgres/procs:(\d+)/n:(\d+)", name)
        if not m:
            continue
        per_iter_ms = b["real_time"] if b.get("time_unit") == "ms" else b["real_time"] / 1e6
        out.append(f"| 1,000 due | {m.group(1)} | {fmt(b['n_open'])} | {fmt(b['k_due'])} | {per_iter_ms:,.0f} ms | "
                   f"{b['us_per_fired']:,.0f} µs | {b['conflicts_per_round']:,.0f} | {b['build_s']:,.0f} s |")
    out += ["", f"<!-- postgres:{args.mode}:end -->"]
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--json", required=True)
    p.add_argument("--mode", choices=["tests", "durable"], required=True)
    p.add_argument("--load", default="")
    p.add_argument("--seconds", default="")
    p.add_argument("--command", default="")
    p.add_argument("--run-seconds", default="5")
    p.add_argument("--results", required=True)
    args = p.parse_args()
    with open(args.json) as f:
        data = json.load(f)
    new_block = block(data, args)
    with open(args.results) as f:
        text = f.read()
    if BEGIN not in text:
        text = text.rstrip("\n") + "\n\n" + BEGIN + "\n" + HEADER + "\n" + END + "\n"
    head, rest = text.split(BEGIN, 1)
    section, tail = rest.split(END, 1)
    mb, me = f"<!-- postgres:{args.mode}:begin -->", f"<!-- postgres:{args.mode}:end -->"
    if mb in section:
        before, after = section.split(mb, 1)
        section = before + new_block + after.split(me, 1)[1]
    else:
        section = section.rstrip("\n") + "\n\n" + new_block + "\n"
    with open(args.results, "w") as f:
        f.write(head + BEGIN + section + END + tail)


if __name__ == "__main__":
    main()
