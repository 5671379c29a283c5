#!/usr/bin/env python3
"""zkshard vs arkworks (groth16py) — Groth16 over BN254, side by side on one machine.

For each size 2^k constraints (synthetic circuit from tests/interop/gen_synthetic_r1cs.py,
generated once and cached in the work dir) and each repetition, runs, interleaved:

    zkshard  groth16 setup            groth16py_tool.py setup
    zkshard  groth16 prove  (per T)   groth16py_tool.py prove --threads T   (per T)
    zkshard  verify                   groth16py_tool.py verify

The tool that goes first alternates between repetitions. Every proof must verify (zkshard
proofs under `zkshard verify`, groth16py proofs under groth16py; with cross-verification on,
also zkshard proofs under groth16py), else the run aborts.

Then, for zkshard's thread scaling, --scaling-pairs back-to-back pairs of proves on the first
and the last thread count (which goes first alternates). A repetition's two proves are
separated by groth16py's proves (4-25 s here), and a shared host's speed drifts within such
gaps by 20 % and more, which one ratio per repetition cannot tell from scaling; adjacent
pairs, and more of them (zkshard's proves are cheap), can.

What is measured (medians over --repeats; min–max shown when repeats > 1):
  * setup s:   zkshard `setup_s` (whole command: read .r1cs, setup, write PK/VK) vs groth16py
               `time_s` (groth16py.setup(path): reads the .r1cs, excludes pk.save).
  * prove s:   zkshard `prove_s` (excludes PK and witness loading and proof writing) vs
               groth16py `time_s` (prove_wtns(pk, path): includes reading the .wtns, excludes
               PK loading). Also: zkshard `total_s` and the wall time of each prove process
               (includes process start-up, for groth16py the Python interpreter and import).
  * verify ms: zkshard `verify_ms` (read + parse files + verify) vs groth16py `time_s`
               (VK parse + prepare + pairing check; files already read).
  * peak RSS:  ru_maxrss of each prove process, taken with os.wait4() on that one child
               (so it is per process, not a max over all children). For groth16py this
               includes the Python interpreter; its baseline (python + `import groth16py`)
               is measured once and reported. zkshard's own `peak_memory_mib` is also kept.
  * ratio = groth16py / zkshard: > 1 means zkshard is faster (or uses less memory).
  * speed-up: per repetition, prove_s on the first thread count / on the last (both tools);
               for zkshard also the median of the adjacent pairs' ratios (--scaling-pairs).

Usage:
    bench/groth16_vs_arkworks.py [--sizes 12,14,16,18] [--repeats 3] [--threads-list 1,2]
        [--work-dir /tmp/zkshard-bench] [--zkshard .build/release/zkshard]
        [--python .venv/bin/python] [--json OUT] [--markdown-out FILE]
        [--no-cross-verify] [--no-snapshot-binary] [--wait-quiet SECONDS] [--scaling-pairs 9]

The zkshard binary is copied into the work dir at start (unless --no-snapshot-binary) so a
rebuild by someone else mid-run cannot change what is measured; its sha256 is recorded. If the
binary is missing (being rebuilt), the script waits for it.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTEROP = os.path.join(REPO, "tests", "interop")
GEN = os.path.join(INTEROP, "gen_synthetic_r1cs.py")
TOOL = os.path.join(INTEROP, "groth16py_tool.py")


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Machine description
# ---------------------------------------------------------------------------------------------


def read_cpu_stat():
    """The aggregate `cpu` line of /proc/stat as a dict of jiffies (None if unavailable)."""
    try:
        with open("/proc/stat") as f:
            line = f.readline().split()
    except OSError:
        return None
    names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"]
    vals = [int(x) for x in line[1:]]
    d = dict(zip(names, vals))
    # guest time is already counted in user/nice
    d["total"] = sum(vals[:8])
    return d


def steal_pct(a, b):
    if not a or not b or "steal" not in a:
        return None
    dt = b["total"] - a["total"]
    if dt <= 0:
        return None
    return 100.0 * (b["steal"] - a["steal"]) / dt


def busy_pct(a, b):
    if not a or not b:
        return None
    dt = b["total"] - a["total"]
    if dt <= 0:
        return None
    idle = (b["idle"] + b.get("iowait", 0)) - (a["idle"] + a.get("iowait", 0))
    return 100.0 * (dt - idle) / dt


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return list(os.getloadavg())


def machine_info():
    info = {"platform": platform.platform(), "python": sys.version.split()[0]}
    model, cores_phys, siblings, flags = None, None, None, ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                k, v = k.strip(), v.strip()
                if k == "model name" and model is None:
                    model = v
                elif k == "cpu cores" and cores_phys is None:
                    cores_phys = int(v)
                elif k == "siblings" and siblings is None:
                    siblings = int(v)
                elif k == "flags" and not flags:
                    flags = v
    except OSError:
        pass
    info["cpu_model"] = model or platform.processor()
    info["cpu_cores_per_socket"] = cores_phys
    info["cpu_siblings"] = siblings
    info["logical_cpus"] = os.cpu_count()
    try:
        info["nproc"] = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip())
    except (OSError, ValueError):
        info["nproc"] = len(os.sched_getaffinity(0))
    info["hypervisor"] = "hypervisor" in flags.split()
    info["isa"] = [x for x in ("adx", "bmi2", "avx2", "avx512f", "avx512ifma") if x in flags.split()]
    try:
        with open("/proc/meminfo") as f:
            mem = {}
            for line in f:
                k, _, v = line.partition(":")
                mem[k] = int(v.split()[0])
        info["mem_total_gib"] = round(mem["MemTotal"] / 1024 / 1024, 2)
        info["mem_available_gib"] = round(mem.get("MemAvailable", 0) / 1024 / 1024, 2)
    except (OSError, KeyError, ValueError):
        pass
    # current steal: sample /proc/stat over one second
    a = read_cpu_stat()
    time.sleep(1.0)
    b = read_cpu_stat()
    info["steal_pct_1s"] = steal_pct(a, b)
    info["busy_pct_1s"] = busy_pct(a, b)
    if b:
        info["steal_pct_since_boot"] = 100.0 * b["steal"] / b["total"] if b["total"] else None
    info["loadavg"] = loadavg()
    return info


def fmt_machine(m, run):
    lines = [
        "- CPU: %s (%s logical CPUs, `nproc` = %s%s%s)" % (
            m.get("cpu_model"), m.get("logical_cpus"), m.get("nproc"),
            ", cores/socket = %s" % m["cpu_cores_per_socket"] if m.get("cpu_cores_per_socket") else "",
            ", virtualised (hypervisor flag)" if m.get("hypervisor") else ""),
        "- ISA extensions relevant to field arithmetic: %s" % (", ".join(m.get("isa") or []) or "none detected"),
        "- Memory: %s GiB total, %s GiB available at start" % (m.get("mem_total_gib"), m.get("mem_available_gib")),
        "- OS: %s; Python %s" % (m.get("platform"), m.get("python")),
    ]
    st = m.get("steal_pct_1s")
    if st is not None:
        lines.append("- CPU steal time: %.1f%% over 1 s at start; %.1f%% since boot%s" % (
            st, m.get("steal_pct_since_boot") or 0.0,
            ("; %.1f%% during the whole benchmark" % run["steal_pct_run"]) if run.get("steal_pct_run") is not None else ""))
        worst = max(x for x in (st, m.get("steal_pct_since_boot") or 0, run.get("steal_pct_run") or 0))
        if worst >= 2.0:
            lines.append("  **Note: this VM shows noticeable steal time (the hypervisor takes CPU from it);"
                         " absolute timings are noisy and both tools are affected alike.**")
    else:
        lines.append("- CPU steal time: not visible (/proc/stat unavailable)")
    lines.append("- Load average (1/5/15 min): %s at start, %s at end%s" % (
        "/".join("%.2f" % x for x in run["loadavg_start"]),
        "/".join("%.2f" % x for x in run.get("loadavg_end", [float("nan")] * 3)),
        "; CPU busy %.0f%% over the run (both cores, all processes)" % run["busy_pct_run"]
        if run.get("busy_pct_run") is not None else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Running children
# ---------------------------------------------------------------------------------------------


class ChildError(RuntimeError):
    pass


def run_child(argv, env=None, cwd=None, ok_codes=(0,)):
    """Run argv in a fresh process; return (rc, stdout, stderr, wall_s, maxrss_mib).

    Uses os.wait4 on this one child, so ru_maxrss is that process's own peak RSS
    (not the max over every child this script ever had, as RUSAGE_CHILDREN would give)."""
    out_path = os.path.join(STATE["tmp"], "child.out")
    err_path = os.path.join(STATE["tmp"], "child.err")
    with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
        c0 = read_cpu_stat()
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=fo, stderr=fe, env=env, cwd=cwd)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        c1 = read_cpu_stat()
        p.returncode = os.waitstatus_to_exitcode(status)
    # CPU the child used, and CPU everything else on the machine used meanwhile (in cores):
    # the latter is the contention from other users (e.g. someone compiling).
    cpu_s = ru.ru_utime + ru.ru_stime
    LAST["cpu_s"] = cpu_s
    LAST["other_cores"] = None
    if c0 and c1 and wall > 0:
        busy_s = ((c1["total"] - c1["idle"] - c1.get("iowait", 0))
                  - (c0["total"] - c0["idle"] - c0.get("iowait", 0))) / CLK_TCK
        LAST["other_cores"] = max(0.0, busy_s - cpu_s) / wall
    with open(out_path, "rb") as f:
        out = f.read().decode("utf-8", "replace")
    with open(err_path, "rb") as f:
        err = f.read().decode("utf-8", "replace")
    rc = p.returncode
    if rc not in ok_codes:
        raise ChildError("%s exited %d\nstdout: %s\nstderr: %s" % (" ".join(argv), rc, out[-2000:], err[-2000:]))
    return rc, out, err, wall, ru.ru_maxrss / 1024.0  # Linux: ru_maxrss in KiB


def parse_time_s(err):
    for line in err.splitlines():
        if line.startswith("time_s="):
            return float(line.split("=", 1)[1])
    raise ChildError("no time_s= in groth16py output: %s" % err[-2000:])


def wait_for_binary(path, timeout=1800):
    t0 = time.time()
    while not (os.path.isfile(path) and os.access(path, os.X_OK)):
        if time.time() - t0 > timeout:
            raise SystemExit("zkshard binary %s did not appear within %d s" % (path, timeout))
        log("waiting for %s (missing or being rebuilt)..." % path)
        time.sleep(15)
    # a binary being written by the linker changes size; wait until it is stable
    while True:
        s1 = os.stat(path).st_size
        time.sleep(2)
        if os.stat(path).st_size == s1:
            return


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


STATE = {}
LAST = {}
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def zk(*args):
    if not os.path.exists(STATE["zkshard"]):
        wait_for_binary(STATE["zkshard"])
    return [STATE["zkshard"]] + list(args)


def py(*args):
    return [STATE["python"], TOOL] + list(args)


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------


def ensure_circuit(work, k):
    d = os.path.join(work, "circuit-2^%d" % k)
    need = [os.path.join(d, f) for f in ("circuit.r1cs", "witness.wtns", "public.json")]
    if all(os.path.exists(p) for p in need) and os.path.exists(os.path.join(d, ".complete")):
        log("2^%d: using cached circuit %s" % (k, d))
        return d
    os.makedirs(d, exist_ok=True)
    log("2^%d: generating synthetic circuit (%d constraints)..." % (k, 1 << k))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, GEN, "--constraints", str(1 << k), "--out", d], check=True,
                   stdout=subprocess.DEVNULL)
    open(os.path.join(d, ".complete"), "w").close()
    log("2^%d: generated in %.1f s" % (k, time.perf_counter() - t0))
    return d


def zk_setup(cdir, out):
    pk, vk = os.path.join(out, "zk.pk"), os.path.join(out, "zk_vk.json")
    _, o, _, wall, rss = run_child(zk("groth16", "setup", os.path.join(cdir, "circuit.r1cs"),
                                      "--pk", pk, "--vk", vk, "--quiet", "--json"))
    j = json.loads(o)
    return {"setup_s": j["setup_s"], "wall_s": wall, "maxrss_mib": rss, "other_load_cores": LAST["other_cores"],
            "self_peak_memory_mib": j.get("peak_memory_mib"), "pk_bytes": os.path.getsize(pk)}, pk, vk


def py_setup(cdir, out):
    pk, vk = os.path.join(out, "py.pk"), os.path.join(out, "py_vk.json")
    _, _, e, wall, rss = run_child(py("setup", os.path.join(cdir, "circuit.r1cs"), "--pk", pk, "--vk", vk))
    return {"setup_s": parse_time_s(e), "wall_s": wall, "maxrss_mib": rss, "other_load_cores": LAST["other_cores"],
            "pk_bytes": os.path.getsize(pk)}, pk, vk


def zk_prove(cdir, pk, out, t):
    proof, pub = os.path.join(out, "zk_proof_t%d.json" % t), os.path.join(out, "zk_public_t%d.json" % t)
    for p in (proof, pub):
        if os.path.exists(p):
            os.remove(p)
    la = loadavg()[0]
    _, o, _, wall, rss = run_child(zk("groth16", "prove", "--pk", pk, "--witness", os.path.join(cdir, "witness.wtns"),
                                      "--proof", proof, "--public", pub, "--threads", str(t), "--quiet", "--json"))
    j = json.loads(o)
    return {"prove_s": j["prove_s"], "total_s": j["total_s"], "wall_s": wall, "maxrss_mib": rss,
            "self_peak_memory_mib": j.get("peak_memory_mib"), "threads": j.get("threads", t),
            "process_cpu_s": LAST["cpu_s"], "other_load_cores": LAST["other_cores"],
            "loadavg1_before": la}, proof, pub


def py_prove(cdir, pk, out, t):
    proof, pub = os.path.join(out, "py_proof_t%d.json" % t), os.path.join(out, "py_public_t%d.json" % t)
    for p in (proof, pub):
        if os.path.exists(p):
            os.remove(p)
    la = loadavg()[0]
    # --no-self-check: the tool would otherwise verify inside the prove process (after timing);
    # we verify in a separate process below, which is also what gets timed.
    _, _, e, wall, rss = run_child(py("prove", "--pk", pk, "--wtns", os.path.join(cdir, "witness.wtns"),
                                      "--proof", proof, "--public", pub, "--threads", str(t), "--no-self-check"))
    return {"prove_s": parse_time_s(e), "wall_s": wall, "maxrss_mib": rss, "threads": t,
            "process_cpu_s": LAST["cpu_s"], "other_load_cores": LAST["other_cores"],
            "loadavg1_before": la}, proof, pub


def zk_verify(vk, proof, pub):
    rc, o, _, wall, _ = run_child(zk("verify", "--vk", vk, "--proof", proof, "--public", pub, "--json"),
                                  ok_codes=(0, 1, 2))
    j = json.loads(o) if o.strip() else {}
    return {"verify_ms": j.get("verify_ms"), "valid": rc == 0 and j.get("valid") is True, "wall_s": wall}


def py_verify(vk, proof, pub):
    rc, o, e, wall, _ = run_child(py("verify", "--vk", vk, "--proof", proof, "--public", pub), ok_codes=(0, 1, 2))
    return {"verify_ms": parse_time_s(e) * 1000.0, "valid": rc == 0 and o.strip() == "valid", "wall_s": wall}


def same_public(a, b):
    with open(a) as f, open(b) as g:
        return json.load(f) == json.load(g)


def wait_quiet(max_wait, threshold=0.5):
    """Wait (at most max_wait s) until other processes use < threshold cores over a 2 s sample.
    Returns (waited_s, measured_busy_cores)."""
    t0 = time.time()
    busy = None
    while True:
        a = read_cpu_stat()
        time.sleep(2.0)
        b = read_cpu_stat()
        if not a or not b:
            return 0.0, None
        busy = (busy_pct(a, b) or 0.0) / 100.0 * (os.cpu_count() or 1)
        if busy < threshold or time.time() - t0 >= max_wait:
            return time.time() - t0, busy
        log("machine busy (%.2f cores used by others); waiting up to %d s more" % (
            busy, max_wait - (time.time() - t0)))
        time.sleep(8.0)


def bench_size(work, k, repeats, threads_list, cross, results, quiet_wait=0):
    cdir = ensure_circuit(work, k)
    out = os.path.join(work, "run-2^%d" % k)
    os.makedirs(out, exist_ok=True)
    expected_pub = os.path.join(cdir, "public.json")
    for rep in range(repeats):
        order = ["zkshard", "groth16py"] if rep % 2 == 0 else ["groth16py", "zkshard"]
        rec = {"size_log2": k, "constraints": 1 << k, "rep": rep, "order": order,
               "zkshard": {"prove": {}, "verify": {}}, "groth16py": {"prove": {}, "verify": {}}}
        if quiet_wait > 0:
            rec["waited_for_quiet_s"], rec["other_load_cores_before"] = wait_quiet(quiet_wait)
        keys = {}
        for tool in order:
            log("2^%d rep %d: %s setup" % (k, rep + 1, tool))
            if tool == "zkshard":
                rec[tool]["setup"], pk, vk = zk_setup(cdir, out)
            else:
                rec[tool]["setup"], pk, vk = py_setup(cdir, out)
            keys[tool] = (pk, vk)
        for t in threads_list:
            proofs = {}
            for tool in order:
                log("2^%d rep %d: %s prove, %d thread(s)" % (k, rep + 1, tool, t))
                pk, _ = keys[tool]
                if tool == "zkshard":
                    r, proof, pub = zk_prove(cdir, pk, out, t)
                else:
                    r, proof, pub = py_prove(cdir, pk, out, t)
                rec[tool]["prove"][str(t)] = r
                proofs[tool] = (proof, pub)
                if not same_public(pub, expected_pub):
                    raise SystemExit("2^%d: %s wrote a public.json that differs from the generator's" % (k, tool))
            for tool in order:
                proof, pub = proofs[tool]
                _, vk = keys[tool]
                v = zk_verify(vk, proof, pub) if tool == "zkshard" else py_verify(vk, proof, pub)
                rec[tool]["verify"][str(t)] = v
                if not v["valid"]:
                    raise SystemExit("2^%d rep %d: %s proof (threads %d) does NOT verify under %s" % (
                        k, rep + 1, tool, t, tool))
            if cross:
                proof, pub = proofs["zkshard"]
                v = py_verify(keys["zkshard"][1], proof, pub)
                rec["zkshard"]["verify"][str(t)]["cross_groth16py_valid"] = v["valid"]
                if not v["valid"]:
                    raise SystemExit("2^%d rep %d: zkshard proof (threads %d) does NOT verify under groth16py" % (
                        k, rep + 1, t))
                proof, pub = proofs["groth16py"]
                v = zk_verify(keys["groth16py"][1], proof, pub)
                rec["groth16py"]["verify"][str(t)]["cross_zkshard_valid"] = v["valid"]
                if not v["valid"]:
                    raise SystemExit("2^%d rep %d: groth16py proof (threads %d) does NOT verify under zkshard" % (
                        k, rep + 1, t))
        log("2^%d rep %d: setup zk %.2fs / ark %.2fs; prove %s" % (
            k, rep + 1, rec["zkshard"]["setup"]["setup_s"], rec["groth16py"]["setup"]["setup_s"],
            "; ".join("t=%s zk %.3fs / ark %.3fs" % (t, rec["zkshard"]["prove"][t]["prove_s"],
                                                    rec["groth16py"]["prove"][t]["prove_s"])
                      for t in rec["zkshard"]["prove"])))
        results.append(rec)


def bench_scaling(work, k, pairs, threads_list, scaling):
    """zkshard's 1→n-thread scaling at 2^k: `pairs` back-to-back pairs of proves with the first
    and the last thread count, alternating which goes first; every proof must verify."""
    if pairs < 1 or len(threads_list) < 2:
        return
    cdir, out = ensure_circuit(work, k), os.path.join(work, "run-2^%d" % k)
    pk, vk = os.path.join(out, "zk.pk"), os.path.join(out, "zk_vk.json")
    lo, hi = threads_list[0], threads_list[-1]
    rows = []
    for i in range(pairs):
        times = {}
        for t in ((lo, hi) if i % 2 == 0 else (hi, lo)):
            r, proof, pub = zk_prove(cdir, pk, out, t)
            if not zk_verify(vk, proof, pub)["valid"]:
                raise SystemExit("2^%d scaling pair %d: zkshard proof (threads %d) does NOT verify" % (k, i + 1, t))
            times[t] = r["prove_s"]
        rows.append({"pair": i, "first": lo if i % 2 == 0 else hi, "prove_s": {str(lo): times[lo], str(hi): times[hi]}})
        log("2^%d scaling pair %d/%d: t=%d %.3fs, t=%d %.3fs, %.2fx" % (
            k, i + 1, pairs, lo, times[lo], hi, times[hi], times[lo] / times[hi]))
    scaling[k] = rows


def python_baseline_rss():
    """ru_maxrss of `python -c 'import groth16py'`: the interpreter's share of groth16py's RSS."""
    _, _, _, _, rss = run_child([STATE["python"], "-c", "import groth16py"])
    return rss


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def cell(xs, fmt):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "—"
    s = fmt % statistics.median(xs)
    if len(xs) > 1:
        s += " [" + fmt % min(xs) + "–" + fmt % max(xs) + "]"
    return s


def ratio(a, b):
    """a / b with a = groth16py, b = zkshard."""
    if a is None or b is None or b == 0:
        return "—"
    r = a / b
    return "**%.2f×**" % r if r >= 1 else "%.2f×" % r


def markdown(results, threads_list, baseline_rss, repeats, scaling=None):
    sizes = sorted({r["size_log2"] for r in results})
    hdr = ("| constraints | metric | zkshard | arkworks (groth16py) | ratio ark/zk |\n"
           "| ---: | --- | ---: | ---: | ---: |")
    rows = []
    for k in sizes:
        rs = [r for r in results if r["size_log2"] == k]
        label = "2^%d" % k

        def both(getter):
            return [getter(r, "zkshard") for r in rs], [getter(r, "groth16py") for r in rs]

        def add(metric, zs, ps, fmt, show_ratio=True):
            rows.append("| %s | %s | %s | %s | %s |" % (label, metric, cell(zs, fmt), cell(ps, fmt),
                                                        ratio(med(ps), med(zs)) if show_ratio else "—"))

        zs, ps = both(lambda r, t: r[t]["setup"]["setup_s"])
        add("setup (s)", zs, ps, "%.2f")
        for t in threads_list:
            t = str(t)
            zs, ps = both(lambda r, tool: r[tool]["prove"][t]["prove_s"])
            add("prove, %s thread%s (s)" % (t, "" if t == "1" else "s"), zs, ps, "%.3f")
        for t in threads_list:
            t = str(t)
            zs, ps = both(lambda r, tool: r[tool]["prove"][t]["wall_s"])
            add("prove process wall, %s thr (s)¹" % t, zs, ps, "%.3f")
        if len(threads_list) > 1:
            t1, tn = str(threads_list[0]), str(threads_list[-1])
            zsp = [r["zkshard"]["prove"][t1]["prove_s"] / r["zkshard"]["prove"][tn]["prove_s"] for r in rs]
            psp = [r["groth16py"]["prove"][t1]["prove_s"] / r["groth16py"]["prove"][tn]["prove_s"] for r in rs]
            rows.append("| %s | prove speed-up %s→%s threads, per repetition | %s | %s | — |" % (
                label, t1, tn, cell(zsp, "%.2f×"), cell(psp, "%.2f×")))
            pairs = (scaling or {}).get(k, [])
            if pairs:
                zpp = [p["prove_s"][t1] / p["prove_s"][tn] for p in pairs]
                rows.append("| %s | prove speed-up %s→%s threads, %d adjacent pairs⁴ | %s | — | — |" % (
                    label, t1, tn, len(pairs), cell(zpp, "%.2f×")))
        for t in threads_list:
            t = str(t)
            zs, ps = both(lambda r, tool: r[tool]["prove"][t].get("other_load_cores"))
            add("other processes' CPU during prove, %s thr (cores)³" % t, zs, ps, "%.2f", show_ratio=False)
        zs, ps = both(lambda r, tool: med([v["verify_ms"] for v in r[tool]["verify"].values()]))
        add("verify (ms)", zs, ps, "%.2f")
        for t in threads_list:
            t = str(t)
            zs, ps = both(lambda r, tool: r[tool]["prove"][t]["maxrss_mib"])
            add("prove peak RSS, %s thr (MiB)²" % t, zs, ps, "%.1f")
        zs, ps = both(lambda r, tool: r[tool]["setup"]["pk_bytes"] / 1048576.0)
        add("proving key size (MiB)", zs, ps, "%.1f")
    notes = [
        "",
        "Medians over %d repetition%s, [min–max] when more than one; tools interleaved per repetition "
        "(alternating which goes first). Ratio = arkworks / zkshard: **> 1 (bold) means zkshard is faster "
        "or smaller**." % (repeats, "" if repeats == 1 else "s"),
        "",
        "Timings: zkshard `prove_s` excludes loading the PK and witness; groth16py `time_s` is "
        "`prove_wtns(pk, path)`, which includes parsing the .wtns but not loading the PK. "
        "zkshard `setup_s` is the whole command (read .r1cs, setup, write PK/VK); groth16py's excludes "
        "`pk.save`. zkshard `verify_ms` includes reading and parsing the three JSON files; groth16py's "
        "includes parsing and pairing-check preparation but not reading.",
        "",
        "¹ Wall time of the whole prove process (start-up, PK/witness loading, proving, writing); for "
        "groth16py this includes starting Python and importing groth16py.",
        "",
        "² ru_maxrss of the prove process via os.wait4 (per process). groth16py's includes the Python "
        "interpreter: `python -c 'import groth16py'` alone peaks at %.1f MiB." % baseline_rss,
        "",
        "³ Contention: busy CPU time of the whole machine (/proc/stat) minus the prove process's own "
        "user+sys time, divided by its wall time, i.e. how many cores other processes (other users' "
        "builds, etc.) were using meanwhile. On a %d-core machine anything near or above 1 skews the "
        "multi-threaded numbers; compare the two tools' columns to see whether they were hit alike."
        % (os.cpu_count() or 1),
        "",
        "⁴ zkshard only: back-to-back pairs of proves on %s and %s threads after the repetitions, "
        "alternating which goes first; the median of the pairs' ratios [min–max]. Within a repetition "
        "the two thread counts are seconds to tens of seconds apart (groth16py's proves run between them), so "
        "the per-repetition row mixes scaling with the host's drift." % (threads_list[0], threads_list[-1]),
    ]
    return hdr + "\n" + "\n".join(rows) + "\n" + "\n".join(notes) + "\n"


# ---------------------------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="12,14,16,18", help="log2 of the constraint counts (default 12,14,16,18)")
    ap.add_argument("--repeats", type=int, default=3, help="repetitions per size; medians reported (default 3)")
    ap.add_argument("--threads-list", default=None,
                    help="prover thread counts (default 1,<all cores> = 1,%d)" % (os.cpu_count() or 1))
    ap.add_argument("--work-dir", default="/tmp/zkshard-bench", help="cache for circuits, keys, proofs")
    ap.add_argument("--zkshard", default=os.path.join(REPO, ".build", "release", "zkshard"))
    ap.add_argument("--python", default=os.path.join(REPO, ".venv", "bin", "python"), help="a Python with groth16py installed (default: the repository .venv)")
    ap.add_argument("--json", dest="json_out", help="write raw results here")
    ap.add_argument("--markdown-out", help="write the markdown report here")
    ap.add_argument("--no-cross-verify", action="store_true",
                    help="skip verifying each tool's proofs with the other tool as well")
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                    help="before each repetition, wait up to SECONDS for other processes to use"
                         " < 0.5 cores (default 0: don't wait); contention is recorded either way")
    ap.add_argument("--no-snapshot-binary", action="store_true",
                    help="run the zkshard binary in place instead of a copy taken at start")
    ap.add_argument("--scaling-pairs", type=int, default=9, metavar="N",
                    help="after each size's repetitions, N back-to-back zkshard prove pairs on the first"
                         " and last thread counts for the speed-up (default 9; 0: none)")
    a = ap.parse_args(argv)

    sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    ncpu = os.cpu_count() or 1
    threads_list = ([int(x) for x in a.threads_list.split(",") if x.strip()] if a.threads_list
                    else sorted({1, ncpu}))
    if a.repeats < 1 or not sizes or not threads_list:
        ap.error("need at least one size, one repeat and one thread count")
    for f in (GEN, TOOL):
        if not os.path.exists(f):
            raise SystemExit("missing %s" % f)
    if not os.path.exists(a.python):
        raise SystemExit("no Python at %s (need one with groth16py; see tests/interop/README.md)" % a.python)

    work = os.path.abspath(a.work_dir)
    os.makedirs(work, exist_ok=True)
    STATE["tmp"] = work
    STATE["python"] = a.python

    wait_for_binary(a.zkshard)
    if a.no_snapshot_binary:
        STATE["zkshard"] = os.path.abspath(a.zkshard)
    else:
        snap = os.path.join(work, "zkshard.snapshot")
        shutil.copy2(a.zkshard, snap + ".tmp")
        os.replace(snap + ".tmp", snap)
        STATE["zkshard"] = snap

    run = {"started": datetime.datetime.now().isoformat(timespec="seconds"),
           "loadavg_start": loadavg(), "sizes": sizes, "repeats": a.repeats, "threads_list": threads_list}
    log("machine description (sampling steal time for 1 s)...")
    m = machine_info()
    cpu0 = read_cpu_stat()
    try:
        gv = subprocess.run([a.python, "-c", "import importlib.metadata as m; print(m.version('groth16py'))"],
                            capture_output=True, text=True).stdout.strip()
    except OSError:
        gv = None
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = None
    run["zkshard_binary"] = {"path": os.path.abspath(a.zkshard), "sha256": sha256(STATE["zkshard"]),
                             "mtime": datetime.datetime.fromtimestamp(os.path.getmtime(a.zkshard)).isoformat(
                                 timespec="seconds"), "git_head": commit}
    run["groth16py_version"] = gv
    log("load average at start: %s" % run["loadavg_start"])
    baseline = python_baseline_rss()

    results, scaling = [], {}
    t_start = time.time()
    try:
        for k in sizes:
            bench_size(work, k, a.repeats, threads_list, not a.no_cross_verify, results, a.wait_quiet)
            bench_scaling(work, k, a.scaling_pairs, threads_list, scaling)
    finally:
        cpu1 = read_cpu_stat()
        run["loadavg_end"] = loadavg()
        run["elapsed_s"] = time.time() - t_start
        run["steal_pct_run"] = steal_pct(cpu0, cpu1)
        run["busy_pct_run"] = busy_pct(cpu0, cpu1)
        log("load average at end: %s; steal during run: %s%%" % (run["loadavg_end"], run["steal_pct_run"]))
        if results:
            md = ["# Groth16 (BN254): zkshard vs arkworks (groth16py %s)" % (gv or "?"), "",
                  "Run %s, %.0f s; zkshard %s (binary sha256 %s…), synthetic circom circuits from "
                  "tests/interop/gen_synthetic_r1cs.py (3 public signals)." % (
                      run["started"], run["elapsed_s"], commit or "?", run["zkshard_binary"]["sha256"][:12]),
                  "", "## Machine", "", fmt_machine(m, run), "", "## Results", "",
                  markdown(results, threads_list, baseline, a.repeats, scaling)]
            text = "\n".join(md)
            print(text)
            if a.markdown_out:
                with open(a.markdown_out, "w") as f:
                    f.write(text)
        if a.json_out:
            with open(a.json_out, "w") as f:
                json.dump({"run": run, "machine": m, "python_import_groth16py_maxrss_mib": baseline,
                           "results": results, "scaling": {str(k): v for k, v in scaling.items()}}, f, indent=1)
                f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
