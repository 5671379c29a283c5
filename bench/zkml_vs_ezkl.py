#!/usr/bin/env python3
"""zkshard vs EZKL — the same ONNX models proved by both, side by side on one machine.

For each model (default: circuits/digits_mlp and circuits/digits_cnn, each with model.onnx,
input.json and calibration.json) this runs, in one invocation:

  EZKL (Python API, in its own venv; every step in a fresh child process):
    gen_settings (input private, params fixed, output public — zkshard's visibility)
    calibrate_settings(calibration.json, target)      once per model, cached
    compile_circuit                                   once per model, cached
    gen_srs(path, logrows)  (a local, insecure test SRS; once per logrows, cached)
    setup, gen_witness(input.json), prove, verify     --repeats times
    gen_witness over the first --ezkl-accuracy-samples test inputs (no proving): accuracy

  zkshard (CLI):
    compile MODEL.onnx -o BUILD --calibration calibration.json   once per model
    setup BUILD, prove BUILD --input input.json, verify           --repeats times
    run BUILD/model.zkq --input x.json over the whole test split: accuracy

Both tools go through setup, prove and verify in the same repetition; which tool goes first
alternates between repetitions. Every proof must verify under its own tool, else the run aborts.

What is measured (medians over --repeats, [min–max] shown when repeats > 1):
  * time of a step (wall clock):
      EZKL:    the ezkl.<step>() call inside a fresh Python process (interpreter start-up and
               `import ezkl` excluded; reading keys/SRS/witness from disk included, since the
               API call does it). The whole child process's wall time is kept in the JSON too.
      zkshard: the whole CLI process (start-up and reading keys/files included); the CLI's own
               JSON timings, when it reports them, are kept in the JSON.
  * peak memory: ru_maxrss of that one child process (os.wait4), MiB. For EZKL it includes the
    Python interpreter and the ezkl module (`import ezkl` alone is measured and reported).
  * proof bytes: EZKL — the length of the `proof` byte array in proof.json (the halo2/KZG proof
    transcript itself; equals the hex_proof length / 2; the JSON wrapper, instances and
    pretty-printed values are not counted). zkshard — a Groth16 proof is 3 points (A, B in G1,
    G2 in between): 256 bytes uncompressed (as in the calldata), 128 compressed; 256 reported.
  * accuracy: argmax of the outputs vs test_labels of vectors/digits_vectors.json. EZKL's outputs
    are the witness outputs rescaled (ezkl.felt_to_float with the model's output scale); zkshard's
    come from `zkshard run` (the same integer kernels the prover traces). Float (onnxruntime)
    accuracy from the vectors file on the same samples, for reference.
  * ratio = EZKL / zkshard: > 1 means zkshard is faster / smaller.

The machine is shared (2 cores): the CPU used by other processes during each prove is recorded
(`other_load_cores`) so noisy numbers can be recognised.

Usage:
    bench/zkml_vs_ezkl.py [--models digits_mlp,digits_cnn] [--repeats 3]
        [--zkshard PATH | env ZKSHARD] [--ezkl-python .venv-ezkl/bin/python]
        [--calibration-target resources|accuracy] [--ezkl-accuracy-samples 0 (all)]
        [--threads N] [--work-dir /tmp/zkml-vs-ezkl] [--json [FILE]] [--wait-quiet SECONDS]
        [--markdown-out docs/PERFORMANCE.md] [--skip-zkshard] [--skip-ezkl]

`--from-json FILE [--markdown-out OUT]` re-renders the markdown of a saved run. `--json` alone prints the raw results as JSON on stdout (instead of the markdown); `--json FILE`
writes them to FILE. `--markdown-out FILE` rewrites the part of FILE between the markers
`<!-- zkml_vs_ezkl:begin -->` and `<!-- zkml_vs_ezkl:end -->` (appended with the markers when
absent) and leaves the rest of FILE alone.

EZKL is installed in its own venv, never in the project's test venvs:
    python3 -m venv .venv-ezkl && .venv-ezkl/bin/pip install -r bench/requirements-ezkl.txt
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
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from splice_section import splice  # noqa: E402  (bench/splice_section.py, beside this script)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SELF = os.path.abspath(__file__)
VECTORS = os.path.join(REPO, "vectors", "digits_vectors.json")
SECTION = "zkml_vs_ezkl"  # docs/PERFORMANCE.md's <!-- zkml_vs_ezkl:begin/end --> section
GROTH16_PROOF_BYTES = 256  # A (G1, 64) + B (G2, 128) + C (G1, 64), uncompressed affine
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


# =============================================================================================
# EZKL worker: `python zkml_vs_ezkl.py --ezkl-worker STEP ARGS.json`, run with the ezkl venv's
# Python. Imports ezkl, runs one API call, prints one JSON line {"time_s": ..., ...} on stdout.
# =============================================================================================


def ezkl_worker(step, args):
    import ezkl  # noqa: only in the worker

    out = {}
    if step == "import":
        out["version"] = getattr(ezkl, "__version__", None)
        out["ok"] = True
        print(json.dumps(out))
        return 0
    t0 = time.perf_counter()
    if step == "gen_settings":
        ra = ezkl.PyRunArgs()
        ra.input_visibility = args["input_visibility"]
        ra.param_visibility = args["param_visibility"]
        ra.output_visibility = args["output_visibility"]
        ok = ezkl.gen_settings(args["model"], args["settings"], py_run_args=ra)
    elif step == "calibrate_settings":
        ok = ezkl.calibrate_settings(args["data"], args["model"], args["settings"], args["target"])
    elif step == "compile_circuit":
        ok = ezkl.compile_circuit(args["model"], args["compiled"], args["settings"])
    elif step == "gen_srs":
        ezkl.gen_srs(args["srs"], int(args["logrows"]))
        ok = os.path.exists(args["srs"])
    elif step == "setup":
        ok = ezkl.setup(args["compiled"], args["vk"], args["pk"], srs_path=args["srs"])
    elif step == "gen_witness":
        w = ezkl.gen_witness(args["data"], args["compiled"], args["witness"])
        ok = bool(w)
        out["outputs"] = [[ezkl.felt_to_float(f, args["output_scale"]) for f in row] for row in w["outputs"]]
    elif step == "prove":
        ok = bool(ezkl.prove(args["witness"], args["compiled"], args["pk"], args["proof"], srs_path=args["srs"]))
    elif step == "verify":
        ok = ezkl.verify(args["proof"], args["settings"], args["vk"], srs_path=args["srs"])
    elif step == "accuracy":
        # One process, one gen_witness per sample: the forward pass EZKL would prove.
        outs = []
        d = tempfile.mkdtemp(prefix="ezkl-acc-")
        try:
            for i, x in enumerate(args["inputs"]):
                data = os.path.join(d, "x.json")
                with open(data, "w") as f:
                    json.dump({"input_data": [x]}, f)
                w = ezkl.gen_witness(data, args["compiled"], os.path.join(d, "w.json"))
                outs.append([ezkl.felt_to_float(f, args["output_scale"]) for f in w["outputs"][0]])
        finally:
            shutil.rmtree(d, ignore_errors=True)
        out["outputs"] = outs
        ok = True
    else:
        raise SystemExit("unknown ezkl worker step %r" % step)
    out["time_s"] = time.perf_counter() - t0
    out["ok"] = bool(ok)
    print(json.dumps(out))
    return 0 if ok else 1


# =============================================================================================
# Machine description and contention
# =============================================================================================


def read_cpu_stat():
    try:
        with open("/proc/stat") as f:
            line = f.readline().split()
    except OSError:
        return None
    names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    vals = [int(x) for x in line[1:9]]
    d = dict(zip(names, vals))
    d["total"] = sum(vals)
    return d


def busy_cores(a, b, wall):
    if not a or not b or wall <= 0:
        return None
    return ((b["total"] - b["idle"] - b["iowait"]) - (a["total"] - a["idle"] - a["iowait"])) / CLK_TCK / wall


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return list(os.getloadavg())


def machine_info():
    info = {"platform": platform.platform(), "python": sys.version.split()[0]}
    model, flags = None, ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                k, v = k.strip(), v.strip()
                if k == "model name" and model is None:
                    model = v
                elif k == "flags" and not flags:
                    flags = v
    except OSError:
        pass
    info["cpu_model"] = model or platform.processor()
    info["logical_cpus"] = os.cpu_count()
    try:
        info["usable_cpus"] = len(os.sched_getaffinity(0))
    except AttributeError:
        info["usable_cpus"] = os.cpu_count()
    info["hypervisor"] = "hypervisor" in flags.split()
    info["isa"] = [x for x in ("adx", "bmi2", "avx2", "avx512f") if x in flags.split()]
    try:
        mem = {}
        with open("/proc/meminfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                mem[k] = int(v.split()[0])
        info["mem_total_gib"] = round(mem["MemTotal"] / 1048576, 1)
    except (OSError, KeyError, ValueError):
        pass
    return info


# =============================================================================================
# Children
# =============================================================================================


class ChildError(RuntimeError):
    pass


STATE = {}


def run_child(argv, env=None, ok_codes=(0,)):
    """Run argv as a fresh process. Returns a dict: rc, out, err, wall_s, maxrss_mib (that one
    process's peak RSS, via os.wait4), cpu_s, other_load_cores (CPU that every other process
    on the machine used meanwhile, in cores)."""
    out_path = os.path.join(STATE["tmp"], "child.out")
    err_path = os.path.join(STATE["tmp"], "child.err")
    with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
        c0 = read_cpu_stat()
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=fo, stderr=fe, env=env, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        c1 = read_cpu_stat()
    rc = os.waitstatus_to_exitcode(status)
    with open(out_path, "rb") as f:
        out = f.read().decode("utf-8", "replace")
    with open(err_path, "rb") as f:
        err = f.read().decode("utf-8", "replace")
    if rc not in ok_codes:
        raise ChildError("%s exited %d\nstdout: %s\nstderr: %s" % (" ".join(argv), rc, out[-3000:], err[-3000:]))
    cpu_s = ru.ru_utime + ru.ru_stime
    busy = busy_cores(c0, c1, wall)
    return {"rc": rc, "out": out, "err": err, "wall_s": wall, "maxrss_mib": ru.ru_maxrss / 1024.0,
            "cpu_s": cpu_s, "other_load_cores": None if busy is None else max(0.0, busy - cpu_s / wall)}


def last_json(text):
    """The JSON object a tool printed: the whole of stdout, else its last one-line JSON object."""
    try:
        j = json.loads(text)
        return j if isinstance(j, dict) else None
    except ValueError:
        pass
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    start = text.rfind("\n{")  # a pretty-printed object after other output
    if start >= 0:
        try:
            return json.loads(text[start + 1:])
        except ValueError:
            pass
    return None


def ezkl_step(step, **args):
    env = dict(os.environ)
    if STATE.get("threads"):
        env["RAYON_NUM_THREADS"] = str(STATE["threads"])
    args_path = os.path.join(STATE["tmp"], "ezkl_args.json")  # a file: the test split is too long for argv
    with open(args_path, "w") as f:
        json.dump(args, f)
    r = run_child([STATE["ezkl_python"], SELF, "--ezkl-worker", step, args_path], env=env)
    j = last_json(r["out"])
    if not j or not j.get("ok"):
        raise ChildError("ezkl %s failed: %s\n%s" % (step, r["out"][-2000:], r["err"][-2000:]))
    r["json"] = j
    r["time_s"] = j.get("time_s")
    return r


def zk(*args, ok_codes=(0,)):
    r = run_child([STATE["zkshard"]] + list(args), ok_codes=ok_codes)
    r["json"] = last_json(r["out"])
    r["time_s"] = r["wall_s"]
    return r


def wait_for_binary(path, timeout):
    t0 = time.time()
    while not (os.path.isfile(path) and os.access(path, os.X_OK)):
        if time.time() - t0 > timeout:
            return False
        log("waiting for %s (missing or being rebuilt)..." % path)
        time.sleep(15)
    while True:  # a binary being linked still grows
        s1 = os.stat(path).st_size
        time.sleep(2)
        if os.stat(path).st_size == s1:
            return True


def zkshard_has(binary, subcommands):
    try:
        h = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    words = set()
    for line in h.splitlines():
        parts = line.split()
        if parts:
            words.add(parts[0])
    return all(s in words for s in subcommands)


def wait_quiet(max_wait, threshold=0.5):
    """Wait (at most max_wait s) until other processes use < threshold cores over a 2 s sample.
    Returns (waited_s, busy_cores_at_the_end)."""
    t0 = time.time()
    while True:
        a = read_cpu_stat()
        time.sleep(2.0)
        b = read_cpu_stat()
        busy = busy_cores(a, b, 2.0)
        if busy is None or busy < threshold or time.time() - t0 >= max_wait:
            return time.time() - t0, busy
        log("machine busy (%.2f cores used by others); waiting up to %.0f s more" % (busy, max_wait - (time.time() - t0)))
        time.sleep(8.0)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fresh(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)


# =============================================================================================
# Accuracy helpers
# =============================================================================================


def argmax(xs):
    best = 0
    for i, x in enumerate(xs):
        if x > xs[best]:
            best = i
    return best


def accuracy(outputs, labels):
    correct = sum(1 for o, y in zip(outputs, labels) if argmax(o) == y)
    return correct, len(outputs)


def max_abs_err(outputs, reference):
    return max(abs(a - b) for o, r in zip(outputs, reference) for a, b in zip(o, r))


def flat_outputs(j):
    """[[...]] or [...] from an {"outputs": ...} object: the first output tensor, flattened."""
    o = j["outputs"]
    while isinstance(o, list) and o and isinstance(o[0], list):
        if len(o) == 1:
            o = o[0]
        else:
            o = [x for row in o for x in (row if isinstance(row, list) else [row])]
    return [float(x) for x in o]


# =============================================================================================
# EZKL half
# =============================================================================================

VISIBILITY = {"input_visibility": "private", "param_visibility": "fixed", "output_visibility": "public"}


def ezkl_prepare(model, mdir, work, target):
    """gen_settings + calibrate_settings + compile_circuit + SRS, cached by model hash and target."""
    onnx = os.path.join(mdir, "model.onnx")
    key = {"model_sha256": sha256(onnx), "calibration_sha256": sha256(os.path.join(mdir, "calibration.json")),
           "target": target, "visibility": VISIBILITY, "ezkl": STATE["ezkl_version"]}
    d = os.path.join(work, model, "ezkl")
    stamp = os.path.join(d, "prepared.json")
    if os.path.exists(stamp):
        with open(stamp) as f:
            prep = json.load(f)
        if prep.get("key") == key and all(os.path.exists(prep[p]) for p in ("settings", "compiled")):
            log("%s: EZKL settings/compiled circuit cached (%s)" % (model, d))
            ezkl_srs(prep, work)
            return prep
    fresh(d)
    os.makedirs(d)
    settings, compiled = os.path.join(d, "settings.json"), os.path.join(d, "model.compiled")
    log("%s: EZKL gen_settings" % model)
    r_gs = ezkl_step("gen_settings", model=onnx, settings=settings, **VISIBILITY)
    log("%s: EZKL calibrate_settings (target %s, 100 samples from calibration.json)" % (model, target))
    r_cal = ezkl_step("calibrate_settings", data=os.path.join(mdir, "calibration.json"), model=onnx,
                      settings=settings, target=target)
    log("%s: EZKL compile_circuit" % model)
    r_cc = ezkl_step("compile_circuit", model=onnx, compiled=compiled, settings=settings)
    with open(settings) as f:
        s = json.load(f)
    prep = {"key": key, "settings": settings, "compiled": compiled,
            "gen_settings_s": r_gs["time_s"], "calibrate_s": r_cal["time_s"], "calibrate_maxrss_mib": r_cal["maxrss_mib"],
            "compile_s": r_cc["time_s"], "compiled_bytes": os.path.getsize(compiled),
            "logrows": s["run_args"]["logrows"], "input_scale": s["run_args"]["input_scale"],
            "param_scale": s["run_args"]["param_scale"], "output_scale": s["model_output_scales"][0],
            "scale_rebase_multiplier": s["run_args"].get("scale_rebase_multiplier"),
            "lookup_range": s["run_args"].get("lookup_range"), "num_rows": s.get("num_rows"),
            "total_assignments": s.get("total_assignments"), "check_mode": s.get("check_mode"),
            "visibility_in_settings": {k: s["run_args"][k] for k in VISIBILITY},
            "required_range_checks": s.get("required_range_checks"), "required_lookups": s.get("required_lookups")}
    ezkl_srs(prep, work)
    with open(stamp, "w") as f:
        json.dump(prep, f, indent=1)
    return prep


def ezkl_srs(prep, work):
    k = prep["logrows"]
    d = os.path.join(work, "srs")
    os.makedirs(d, exist_ok=True)
    srs = os.path.join(d, "kzg%d.srs" % k)
    meta = srs + ".json"
    if not (os.path.exists(srs) and os.path.exists(meta)):
        log("EZKL gen_srs logrows=%d (local test SRS, one-off per size)" % k)
        r = ezkl_step("gen_srs", srs=srs, logrows=k)
        with open(meta, "w") as f:
            json.dump({"gen_srs_s": r["time_s"], "maxrss_mib": r["maxrss_mib"], "logrows": k}, f)
    with open(meta) as f:
        prep["srs_meta"] = json.load(f)
    prep["srs"] = srs


def ezkl_rep(model, mdir, prep, work, rep):
    d = os.path.join(work, model, "ezkl", "rep%d" % rep)
    fresh(d)
    os.makedirs(d)
    vk, pk = os.path.join(d, "vk.key"), os.path.join(d, "pk.key")
    wit, proof = os.path.join(d, "witness.json"), os.path.join(d, "proof.json")
    res = {}
    log("%s rep %d: EZKL setup" % (model, rep + 1))
    r = ezkl_step("setup", compiled=prep["compiled"], vk=vk, pk=pk, srs=prep["srs"])
    res["setup"] = pick(r, pk_bytes=os.path.getsize(pk), vk_bytes=os.path.getsize(vk))
    log("%s rep %d: EZKL gen_witness" % (model, rep + 1))
    r = ezkl_step("gen_witness", data=os.path.join(mdir, "input.json"), compiled=prep["compiled"], witness=wit,
                  output_scale=prep["output_scale"])
    res["witness"] = pick(r, outputs=r["json"]["outputs"])
    log("%s rep %d: EZKL prove" % (model, rep + 1))
    la = loadavg()[0]
    r = ezkl_step("prove", witness=wit, compiled=prep["compiled"], pk=pk, proof=proof, srs=prep["srs"])
    with open(proof) as f:
        pj = json.load(f)
    res["prove"] = pick(r, loadavg1_before=la, proof_bytes=len(pj["proof"]),
                        hex_proof_bytes=(len(pj["hex_proof"]) - 2) // 2 if pj.get("hex_proof") else None,
                        proof_json_bytes=os.path.getsize(proof),
                        instances=sum(len(x) for x in pj.get("instances", [])))
    log("%s rep %d: EZKL verify" % (model, rep + 1))
    r = ezkl_step("verify", proof=proof, settings=prep["settings"], vk=vk, srs=prep["srs"])
    res["verify"] = pick(r, valid=r["json"]["ok"])
    # keys are large (the MLP's pk is ~140 MB): keep only the last repetition's
    for p in (pk,):
        if rep > 0 and os.path.exists(p):
            os.remove(p)
    return res


def pick(r, **extra):
    out = {k: r[k] for k in ("time_s", "wall_s", "maxrss_mib", "cpu_s", "other_load_cores")}
    tool = r.get("json") or {}
    out["tool_json"] = {k: v for k, v in tool.items() if k not in ("outputs",)}
    out.update(extra)
    return out


def ezkl_accuracy(model, prep, inputs, labels, n):
    n = min(n, len(inputs)) if n > 0 else len(inputs)
    log("%s: EZKL accuracy: gen_witness on the first %d test samples" % (model, n))
    r = ezkl_step("accuracy", compiled=prep["compiled"], inputs=inputs[:n], output_scale=prep["output_scale"])
    outs = r["json"]["outputs"]
    c, t = accuracy(outs, labels[:n])
    return {"samples": t, "correct": c, "accuracy": c / t, "time_s": r["time_s"], "outputs": outs}


# =============================================================================================
# zkshard half
# =============================================================================================


def zk_prepare(model, mdir, work):
    d = os.path.join(work, model, "zkshard")
    fresh(d)
    os.makedirs(d)
    build = os.path.join(d, "build")
    log("%s: zkshard compile" % model)
    r = zk("compile", os.path.join(mdir, "model.onnx"), "-o", build, "--calibration",
           os.path.join(mdir, "calibration.json"), "--json", "--quiet")
    return {"build": build, "compile": pick(r)}


def zk_rep(model, mdir, prep, work, rep):
    build = prep["build"]
    d = os.path.join(work, model, "zkshard", "rep%d" % rep)
    fresh(d)
    os.makedirs(d)
    res = {}
    log("%s rep %d: zkshard setup" % (model, rep + 1))
    r = zk("setup", build, "--json", "--quiet")
    pkb = [os.path.getsize(os.path.join(build, f)) for f in os.listdir(build) if f.endswith(".pk")]
    res["setup"] = pick(r, pk_bytes=sum(pkb) if pkb else None,
                        vk_bytes=os.path.getsize(os.path.join(build, "verification_key.json"))
                        if os.path.exists(os.path.join(build, "verification_key.json")) else None)
    log("%s rep %d: zkshard prove" % (model, rep + 1))
    proof_dir = os.path.join(d, "proof")
    args = ["prove", build, "--input", os.path.join(mdir, "input.json"), "-o", proof_dir, "--json", "--quiet"]
    if STATE.get("threads"):
        args += ["--threads", str(STATE["threads"])]
    la = loadavg()[0]
    r = zk(*args)
    outputs = None
    op = os.path.join(proof_dir, "output.json")
    if os.path.exists(op):
        with open(op) as f:
            outputs = flat_outputs(json.load(f))
    res["prove"] = pick(r, loadavg1_before=la, proof_bytes=GROTH16_PROOF_BYTES, outputs=outputs)
    log("%s rep %d: zkshard verify" % (model, rep + 1))
    r = zk("verify", "--vk", os.path.join(build, "verification_key.json"), "--proof",
           os.path.join(proof_dir, "proof.json"), "--public", os.path.join(proof_dir, "public.json"), "--json",
           ok_codes=(0, 1, 2))
    res["verify"] = pick(r, valid=(r["rc"] == 0))
    return res


def zk_accuracy(model, prep, inputs, labels):
    zkq = os.path.join(prep["build"], "model.zkq")
    log("%s: zkshard accuracy: `zkshard run` on all %d test samples" % (model, len(inputs)))
    outs = []
    t0 = time.perf_counter()
    data = os.path.join(STATE["tmp"], "zk_input.json")
    for x in inputs:
        with open(data, "w") as f:
            json.dump({"input_data": [x]}, f)
        r = zk("run", zkq, "--input", data)
        if not r["json"] or "outputs" not in r["json"]:
            raise ChildError("zkshard run printed no {\"outputs\": ...}: %s" % r["out"][-1000:])
        outs.append(flat_outputs(r["json"]))
    c, t = accuracy(outs, labels)
    return {"samples": t, "correct": c, "accuracy": c / t, "time_s": time.perf_counter() - t0, "outputs": outs}


# =============================================================================================
# Report
# =============================================================================================


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


def ratio(e, z):
    if e is None or z is None or z == 0:
        return "—"
    r = e / z
    return "**%.1f×**" % r if r >= 1 else "%.2f×" % r


def model_table(mr):
    reps = mr["reps"]

    def col(tool, step, key):
        return [r[tool][step][key] for r in reps if r.get(tool) and step in r[tool] and r[tool][step].get(key) is not None]

    rows = ["| step | EZKL | zkshard | ratio EZKL/zkshard |", "| --- | ---: | ---: | ---: |"]
    for label, step, key, fmt in (("setup (s)", "setup", "time_s", "%.2f"),
                                  ("prove (s)", "prove", "time_s", "%.2f"),
                                  ("verify (s)", "verify", "time_s", "%.3f"),
                                  ("prove CPU time, user+sys (s)²", "prove", "cpu_s", "%.2f"),
                                  ("peak memory, prove (MiB)", "prove", "maxrss_mib", "%.0f"),
                                  ("peak memory, setup (MiB)", "setup", "maxrss_mib", "%.0f")):
        e, z = col("ezkl", step, key), col("zkshard", step, key)
        rows.append("| %s | %s | %s | %s |" % (label, cell(e, fmt), cell(z, fmt), ratio(med(e), med(z))))
    e, z = col("ezkl", "prove", "proof_bytes"), col("zkshard", "prove", "proof_bytes")
    rows.append("| proof (bytes) | %s | %s | %s |" % (cell(e, "%d"), cell(z, "%d"), ratio(med(e), med(z))))
    e, z = col("ezkl", "setup", "pk_bytes"), col("zkshard", "setup", "pk_bytes")
    rows.append("| proving key (MiB) | %s | %s | %s |" % (
        cell([x / 1048576 for x in e], "%.1f"), cell([x / 1048576 for x in z], "%.1f"),
        ratio(med(e), med(z))))
    acc = mr.get("accuracy", {})
    ea, za, fl = acc.get("ezkl"), acc.get("zkshard"), acc.get("float")

    def a(x):
        return "%.2f %% (%d/%d)" % (100 * x["accuracy"], x["correct"], x["samples"]) if x else "—"

    za_n = acc.get("zkshard_first_n")
    n = ea["samples"] if ea else (za["samples"] if za else None)
    what = ("all %d test samples" % n if n == acc.get("test_size") else "first %d test samples" % n) if n else ""
    if ea or za_n:
        rows.append("| accuracy, %s | %s | %s | %s |" % (
            what, a(ea), a(za_n), "%+.2f pp" % (100 * (za_n["accuracy"] - ea["accuracy"])) if ea and za_n else "—"))
    if za and za["samples"] != n:
        rows.append("| accuracy, all %d test samples | — | %s | — |" % (za["samples"], a(za)))
    ee, ze = (ea or {}).get("max_abs_logit_error_vs_float"), (za or {}).get("max_abs_logit_error_vs_float")
    if ee is not None or ze is not None:
        rows.append("| max \\|logit − float logit\\| over those samples | %s | %s | — |" % (
            "%.4f" % ee if ee is not None else "—", "%.4f" % ze if ze is not None else "—"))
    if fl and n:
        rows.append("| float model (onnxruntime), %s | %s | %s | — |" % (what, a(fl["first_n"]), a(fl["first_n"])))
    e, z = col("ezkl", "prove", "other_load_cores"), col("zkshard", "prove", "other_load_cores")
    rows.append("| other processes' CPU during prove (cores)¹ | %s | %s | — |" % (cell(e, "%.2f"), cell(z, "%.2f")))
    return "\n".join(rows)


def goals(mr):
    reps = mr["reps"]
    out = []

    def m(tool, step, key):
        return med([r[tool][step][key] for r in reps if r.get(tool) and step in r[tool]])

    ep, zp = m("ezkl", "prove", "time_s"), m("zkshard", "prove", "time_s")
    em, zm = m("ezkl", "prove", "maxrss_mib"), m("zkshard", "prove", "maxrss_mib")
    if ep and zp:
        out.append("prove ≥ 20× faster: %s (%.1f×)" % ("met" if ep / zp >= 20 else "**not met**", ep / zp))
    if em and zm:
        out.append("peak memory ≤ 1/5 of EZKL's: %s (%.1f×)" % ("met" if em / zm >= 5 else "**not met**", em / zm))
    zb = m("zkshard", "prove", "proof_bytes")
    if zb:
        out.append("proof ≤ 256 bytes: %s (%d)" % ("met" if zb <= 256 else "**not met**", zb))
    acc = mr.get("accuracy", {})
    if acc.get("ezkl") and acc.get("zkshard_first_n"):
        d = acc["zkshard_first_n"]["correct"] - acc["ezkl"]["correct"]
        out.append("accuracy equal or better: %s (%+d of %d)" % ("met" if d >= 0 else "**not met**", d,
                                                               acc["ezkl"]["samples"]))
    return "; ".join(out)


def fmt_machine(m, run):
    s = "%s, %s logical CPUs (%s usable)%s, %s GiB RAM; %s" % (
        m.get("cpu_model"), m.get("logical_cpus"), m.get("usable_cpus"),
        ", virtualised" if m.get("hypervisor") else "", m.get("mem_total_gib"), m.get("platform"))
    s += "; load average %s at start, %s at end" % (
        "/".join("%.2f" % x for x in run["loadavg_start"]),
        "/".join("%.2f" % x for x in run.get("loadavg_end", [float("nan")] * 3)))
    return s


def markdown(run, machine, models):
    e = run.get("ezkl", {})
    lines = ["## zkshard vs EZKL: the digits models (`bench/zkml_vs_ezkl.py`)", ""]
    lines.append("Run %s (%.0f s), %d repetition%s (medians, [min–max]); both tools in the same run, "
                 "alternating which goes first. Machine: %s." % (
                     run["started"], run.get("elapsed_s", 0), run["repeats"], "" if run["repeats"] == 1 else "s",
                     fmt_machine(machine, run)))
    lines.append("")
    lines.append("- EZKL %s (PyPI `ezkl`, Python API, own venv `.venv-ezkl`): input **private**, params "
                 "**fixed**, output **public** (as zkshard); `calibrate_settings` target `%s` on the 100 "
                 "samples of calibration.json; a local test SRS from `gen_srs` (not counted in setup); "
                 "threads: %s." % (e.get("version"), run["calibration_target"],
                                   run["threads"] or "all cores (rayon default)"))
    zb = run.get("zkshard_binary")
    lines.append("- zkshard: %s; prove threads: %s." % (
        ("`%s` built %s (sha256 %s…; git HEAD at run time %s, the build may include uncommitted work)" % (
            zb.get("path"), zb.get("mtime"), zb["sha256"][:12], zb.get("git_head"))) if zb else "not run",
        run["threads"] or "all cores (default)"))
    lines.append("- Times: EZKL — the `ezkl.<step>()` call in a fresh Python process (interpreter start and "
                 "`import ezkl` excluded, key/SRS loading included); zkshard — the whole CLI process. "
                 "Peak memory: ru_maxrss of the step's process (EZKL's includes Python + the ezkl module: "
                 "%s MiB for `import ezkl` alone). Proof bytes: EZKL — the `proof` byte array of proof.json "
                 "(the KZG transcript; instances and JSON not counted); zkshard — Groth16's three points "
                 "uncompressed (A, C in G1, B in G2; 128 compressed)." % (
                     "%.0f" % e["import_maxrss_mib"] if e.get("import_maxrss_mib") else "?"))
    lines.append("- Ratio = EZKL / zkshard: **> 1 (bold) means zkshard is faster or smaller**. "
                 "Accuracy: argmax of the outputs vs the labels of `vectors/digits_vectors.json`'s test split; "
                 "EZKL's from `gen_witness` (outputs rescaled), no proving.")
    other = med([r[t]["prove"].get("other_load_cores") for mr in models.values() for r in mr["reps"]
                 for t in ("ezkl", "zkshard") if t in r])
    if other is not None and other >= 0.5:
        lines.append("- **Noisy run**: other processes (other engineers' builds) used %.1f of the %s cores during "
                     "the median prove step, so wall times here are inflated, EZKL's long steps more often than "
                     "zkshard's short ones; the CPU-time row is the steadier comparison." % (
                         other, machine.get("usable_cpus")))
    lines.append("")
    for name, mr in models.items():
        p = mr.get("ezkl_prep") or {}
        zc = (mr.get("zkshard_prep") or {}).get("compile", {}).get("tool_json") or {}
        lines.append("### %s" % name)
        lines.append("")
        desc = []
        if p:
            desc.append("EZKL: logrows %s, %s rows, input/param scale 2^%s/2^%s, output scale 2^%s, "
                        "check mode %s, calibration %.0f s, SRS generation %.0f s" % (
                            p.get("logrows"), p.get("num_rows"), p.get("input_scale"), p.get("param_scale"),
                            p.get("output_scale"), p.get("check_mode"), p.get("calibrate_s", 0),
                            (p.get("srs_meta") or {}).get("gen_srs_s", 0)))
        if zc:
            keys = [k for k in ("constraints", "wires", "public") if k in zc]
            if keys:
                desc.append("zkshard: " + ", ".join("%s %s" % (k.replace("_", " "), zc[k]) for k in keys))
        reps = mr.get("reps", [])
        vms = med([r["zkshard"]["verify"]["tool_json"].get("verify_ms") for r in reps if "zkshard" in r])
        pts = med([r["zkshard"]["prove"]["tool_json"].get("total_s") for r in reps if "zkshard" in r])
        if pts is not None:
            desc.append("zkshard's own timings (inside the process): prove `total_s` %.2f s%s" % (
                pts, ", verify `verify_ms` %.1f ms" % vms if vms is not None else ""))
        if desc:
            lines.append("; ".join(desc) + ".")
            lines.append("")
        if mr.get("zkshard_error"):
            lines.append("**zkshard failed on this model** (%s), so its column is empty." % mr["zkshard_error"])
            lines.append("")
        lines.append(model_table(mr))
        lines.append("")
        g = goals(mr)
        if g:
            lines.append("Goals: " + g + ".")
            lines.append("")
    lines.append("¹ CPU time of all other processes on the machine during the prove step (from /proc/stat, "
                 "minus the prover's own), in cores; the machine has %s cores shared with other "
                 "engineers' builds, so values near 1 mean the timings above are inflated." %
                 machine.get("usable_cpus"))
    lines.append("")
    lines.append("² user+sys CPU seconds of the prove process (all its threads): less sensitive to other "
                 "processes than wall time, though not immune (shared caches, frequency).")
    lines.append("")
    lines.append("Reproduce: `python3 -m venv .venv-ezkl && .venv-ezkl/bin/pip install -r bench/requirements-ezkl.txt`, "
                 "then `python3 bench/zkml_vs_ezkl.py --repeats %d --markdown-out docs/PERFORMANCE.md`." %
                 run["repeats"])
    return "\n".join(lines) + "\n"


def rewrite_section(path, text):
    splice(path, SECTION, text)


# =============================================================================================


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--from-json"]:  # re-render the markdown of a saved --json FILE (and --markdown-out)
        with open(argv[1]) as f:
            j = json.load(f)
        md = markdown(j["run"], j["machine"], {m: r for m, r in j["models"].items() if r["reps"]})
        print(md)
        if argv[2:3] == ["--markdown-out"]:
            rewrite_section(argv[3], md)
        return 0
    if argv[:1] == ["--ezkl-worker"]:
        with open(argv[2]) as f:
            return ezkl_worker(argv[1], json.load(f))

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--models", default="digits_mlp,digits_cnn", help="directories under circuits/ (default %(default)s)")
    ap.add_argument("--repeats", type=int, default=3, help="setup/prove/verify repetitions; medians (default 3)")
    ap.add_argument("--zkshard", default=os.environ.get("ZKSHARD", os.path.join(REPO, ".build", "release", "zkshard")),
                    help="zkshard binary (default: $ZKSHARD or .build/release/zkshard)")
    ap.add_argument("--ezkl-python", default=os.path.join(REPO, ".venv-ezkl", "bin", "python"),
                    help="a Python with ezkl installed (default .venv-ezkl/bin/python)")
    ap.add_argument("--calibration-target", default="resources", choices=("resources", "accuracy"),
                    help="EZKL calibrate_settings target (default %(default)s)")
    ap.add_argument("--ezkl-accuracy-samples", type=int, default=0,
                    help="EZKL accuracy on the first N test samples (gen_witness only, ~0.1 s each); "
                         "0 = all 450 (default)")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads for both provers (zkshard --threads, EZKL RAYON_NUM_THREADS); default all cores")
    ap.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "zkml-vs-ezkl"))
    ap.add_argument("--json", dest="json_out", nargs="?", const="-", default=None,
                    help="raw results as JSON: to stdout (no FILE) or to FILE")
    ap.add_argument("--markdown-out", help="rewrite the zkml_vs_ezkl section of this markdown file")
    ap.add_argument("--skip-zkshard", action="store_true", help="run only the EZKL half")
    ap.add_argument("--skip-ezkl", action="store_true", help="run only the zkshard half")
    ap.add_argument("--wait-binary", type=float, default=0, metavar="SECONDS",
                    help="wait up to SECONDS for the zkshard binary (with `compile`) to appear (default 0)")
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                    help="before each repetition, wait up to SECONDS for other processes to use < 0.5 cores "
                         "(default 0: don't wait); contention is recorded either way")
    ap.add_argument("--no-snapshot-binary", action="store_true",
                    help="run zkshard in place instead of a copy taken at start")
    a = ap.parse_args(argv)
    if a.repeats < 1:
        ap.error("--repeats must be >= 1")

    work = os.path.abspath(a.work_dir)
    os.makedirs(work, exist_ok=True)
    STATE["tmp"] = work
    STATE["threads"] = a.threads
    models = [m.strip() for m in a.models.split(",") if m.strip()]
    with open(VECTORS) as f:
        vec = json.load(f)
    inputs, labels = vec["test_inputs"], vec["test_labels"]

    run = {"started": datetime.datetime.now().isoformat(timespec="seconds"), "loadavg_start": loadavg(),
           "repeats": a.repeats, "threads": a.threads, "calibration_target": a.calibration_target,
           "models": models, "visibility": VISIBILITY}
    try:
        run["git_head"] = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                                         capture_output=True, text=True).stdout.strip() or None
    except OSError:
        run["git_head"] = None
    machine = machine_info()

    do_ezkl, do_zk = not a.skip_ezkl, not a.skip_zkshard
    if do_ezkl:
        if not os.path.exists(a.ezkl_python):
            raise SystemExit("no Python at %s; install EZKL: python3 -m venv .venv-ezkl && "
                             ".venv-ezkl/bin/pip install -r bench/requirements-ezkl.txt" % a.ezkl_python)
        STATE["ezkl_python"] = a.ezkl_python
        r = ezkl_step("import")
        run["ezkl"] = {"version": r["json"].get("version"), "import_maxrss_mib": r["maxrss_mib"],
                       "import_wall_s": r["wall_s"]}
        STATE["ezkl_version"] = run["ezkl"]["version"]
        log("EZKL %s (python+import: %.0f MiB, %.2f s)" % (STATE["ezkl_version"], r["maxrss_mib"], r["wall_s"]))
    if do_zk:
        ok = wait_for_binary(a.zkshard, a.wait_binary)
        t0 = time.time()
        while ok and not zkshard_has(a.zkshard, ("compile", "setup", "prove", "verify", "run")):
            if time.time() - t0 >= a.wait_binary:
                ok = False
                break
            log("%s has no compile/setup/prove/run yet; waiting" % a.zkshard)
            time.sleep(60)
            wait_for_binary(a.zkshard, a.wait_binary)
        if not ok:
            log("WARNING: %s missing or without the compile/setup/prove/run subcommands: "
                "running the EZKL half only" % a.zkshard)
            do_zk = False
            run["zkshard_missing"] = True
        else:
            if a.no_snapshot_binary:
                STATE["zkshard"] = os.path.abspath(a.zkshard)
            else:
                snap = os.path.join(work, "zkshard.snapshot")
                shutil.copy2(a.zkshard, snap + ".tmp")
                os.replace(snap + ".tmp", snap)
                STATE["zkshard"] = snap
            rel = os.path.relpath(os.path.abspath(a.zkshard), REPO)
            run["zkshard_binary"] = {"sha256": sha256(STATE["zkshard"]), "git_head": run["git_head"],
                                     "path": rel if not rel.startswith("..") else os.path.basename(a.zkshard),
                                     "mtime": datetime.datetime.fromtimestamp(os.path.getmtime(a.zkshard)).isoformat(
                                         timespec="seconds")}
    if not do_ezkl and not do_zk:
        raise SystemExit("nothing to run")

    results = {}
    cpu0 = read_cpu_stat()
    t_start = time.time()
    try:
        for model in models:
            mdir = os.path.join(REPO, "circuits", model)
            mr = results[model] = {"reps": []}
            n_ezkl = min(a.ezkl_accuracy_samples, len(inputs)) if a.ezkl_accuracy_samples > 0 else len(inputs)
            vm = vec["models"].get(model, {})
            ref = vm.get("onnxruntime_logits")
            acc = mr["accuracy"] = {"test_size": len(inputs)}
            if ref:
                c, t = accuracy(ref, labels)
                c1, t1 = accuracy(ref[:n_ezkl], labels[:n_ezkl])
                acc["float"] = {"all": {"correct": c, "samples": t, "accuracy": c / t},
                                "first_n": {"correct": c1, "samples": t1, "accuracy": c1 / t1}}
            if do_ezkl:
                mr["ezkl_prep"] = ezkl_prepare(model, mdir, work, a.calibration_target)
            zk_ok = do_zk

            def zk_failed(what, e):
                msg = str(e).strip().splitlines()
                err = [x for x in msg if x.startswith("stderr:") or x.startswith("error")] or msg[:1]
                mr["zkshard_error"] = "%s: %s" % (what, " ".join(err)[:400])
                log("%s: zkshard %s FAILED; continuing without zkshard for this model\n%s" % (model, what, e))

            if zk_ok:
                try:
                    mr["zkshard_prep"] = zk_prepare(model, mdir, work)
                except ChildError as e:
                    zk_failed("compile", e)
                    zk_ok = False
            for rep in range(a.repeats):
                order = ["zkshard", "ezkl"] if rep % 2 == 0 else ["ezkl", "zkshard"]
                rec = {"rep": rep, "order": order}
                if a.wait_quiet > 0:
                    rec["waited_for_quiet_s"], rec["busy_cores_before"] = wait_quiet(a.wait_quiet)
                for tool in order:
                    if tool == "ezkl" and do_ezkl:
                        rec["ezkl"] = ezkl_rep(model, mdir, mr["ezkl_prep"], work, rep)
                        if not rec["ezkl"]["verify"]["valid"]:
                            raise SystemExit("%s: EZKL proof does not verify" % model)
                    elif tool == "zkshard" and zk_ok:
                        try:
                            rec["zkshard"] = zk_rep(model, mdir, mr["zkshard_prep"], work, rep)
                        except ChildError as e:
                            zk_failed("setup/prove/verify", e)
                            zk_ok = False
                            continue
                        if not rec["zkshard"]["verify"]["valid"]:
                            raise SystemExit("%s: zkshard proof does not verify" % model)
                mr["reps"].append(rec)
                log("%s rep %d: prove EZKL %s s / zkshard %s s" % (
                    model, rep + 1, "%.2f" % rec["ezkl"]["prove"]["time_s"] if "ezkl" in rec else "—",
                    "%.2f" % rec["zkshard"]["prove"]["time_s"] if "zkshard" in rec else "—"))
            if do_ezkl:
                acc["ezkl"] = ezkl_accuracy(model, mr["ezkl_prep"], inputs, labels, n_ezkl)
                if ref:
                    acc["ezkl"]["max_abs_logit_error_vs_float"] = max_abs_err(acc["ezkl"]["outputs"], ref)
            if zk_ok:
                try:
                    acc["zkshard"] = zk_accuracy(model, mr["zkshard_prep"], inputs, labels)
                except ChildError as e:
                    zk_failed("run (accuracy)", e)
                    zk_ok = False
            if zk_ok:
                c, t = accuracy(acc["zkshard"]["outputs"][:n_ezkl], labels[:n_ezkl])
                acc["zkshard_first_n"] = {"correct": c, "samples": t, "accuracy": c / t}
                if ref:
                    acc["zkshard"]["max_abs_logit_error_vs_float"] = max_abs_err(acc["zkshard"]["outputs"], ref)
            # the proved sample: both tools' predictions
            last = mr["reps"][-1]
            mr["proved_sample"] = {"label": labels[0],
                                   "ezkl_outputs": last.get("ezkl", {}).get("witness", {}).get("outputs"),
                                   "zkshard_outputs": last.get("zkshard", {}).get("prove", {}).get("outputs")}
            for k in ("ezkl", "zkshard"):
                if k in acc:
                    acc[k].pop("outputs", None)
    finally:
        run["loadavg_end"] = loadavg()
        run["elapsed_s"] = time.time() - t_start
        cpu1 = read_cpu_stat()
        run["busy_cores_run"] = busy_cores(cpu0, cpu1, run["elapsed_s"])
        done = {m: r for m, r in results.items() if r["reps"]}
        if done:
            md = markdown(run, machine, done)
            if a.json_out != "-":
                print(md)
            if a.markdown_out:
                rewrite_section(a.markdown_out, md)
                log("wrote the zkml_vs_ezkl section of %s" % a.markdown_out)
        if a.json_out:
            blob = json.dumps({"run": run, "machine": machine, "models": results}, indent=1) + "\n"
            if a.json_out == "-":
                sys.stdout.write(blob)
            else:
                with open(a.json_out, "w") as f:
                    f.write(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main())
