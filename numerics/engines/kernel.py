"""numba kernels of the float64 batch engine, generated from the traced formulas.

The kernel source is assembled here: a fixed loop structure (blocks of
trajectories, chunks of ``check_every`` steps, the settle checks, the max ηλ and
Lyapunov bookkeeping) around the step, whose statements are the generated
formulas of ``numerics._derived`` traced into scalar code
(:func:`numerics.compile.float64.scalar_lines`). No map is typed here. The model's
parameters (a, b for the 2-D map, ω_i for the P-mode map) are kernel arguments,
so one compiled kernel serves every problem.

Inside a block of ``BLOCK`` trajectories the step loop runs over the block's
active trajectories with no branch, which the compiler vectorises; a trajectory
that has settled is swapped out of the block at the next check. The step's lines
that depend on a trajectory's Ẽ alone are computed once per chunk rather than
every step (:func:`_hoist`: the same operations on the same operands, so the
same bits). At a check a vectorised pass marks the slots that may have settled,
and only those go through the classification.

The kernel is compiled with ``cache=True``: numba keeps the machine code in the
``__pycache__`` next to this file or, where that cannot be written, in its user
cache (``NUMBA_CACHE_DIR``). The function's name carries a hash of its source, so
regenerated formulas never meet a stale cache entry. Where no cache folder can
be written, the kernel is compiled without a cache. :func:`numba_available` is
False when numba is missing, or when ``SORM_ENGINE=numpy`` is set in the
environment; the batch engine then uses its numpy loop.
"""
from __future__ import annotations

import hashlib
import re
import math  # noqa: F401  (used by the generated kernels)
import os

import numpy as np  # noqa: F401  (used by the generated kernels)

from .. import _derived as d
from ..compile.float64 import scalar_lines
from .classes import TrajectoryClass
from .loop import EDGE, LN_RESCALE, RESCALE, TINY

__all__ = ["numba_available", "planar_kernel", "modes_kernel", "folded", "BLOCK"]

#: Trajectories per block inside a kernel (their state stays in the L1 cache).
BLOCK = 256


def numba_available() -> bool:
    """True when numba can be imported and ``SORM_ENGINE`` does not ask for the numpy loop."""
    if os.environ.get("SORM_ENGINE", "").strip().lower() == "numpy":
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _ind(lines, n):
    return [" " * n + ln for ln in lines]


def _loop(body: list[str], ind: int) -> list[str]:
    """``for j in range(n):`` over the block's slots around ``body``, at indent ``ind``."""
    return [" " * ind + "for j in range(n):", *_ind(body, ind + 4)]


#: The max ηλ update of slot j on a step that tracks it: T[j] still holds T before the step, Tj the T after it,
#: so max(max(m, T_{i-1}), T_i) covers both: the same maxima in the same order as a max after every step
#: (the same bits; a NaN T is skipped either way). A step that does not track is followed by one that does.
_TRACK = "m[j] = max(max(m[j], T[j]), Tj)"


def _steps(one, tangent: list[str] | None, save_more: tuple[str, ...] = (), flush_more: tuple[str, ...] = ()) -> list[str]:
    """The ``k`` steps of a chunk, each a loop over the block's slots (indent 8).

    ``one(save, end, track)`` gives the lines of one step of slot j: ``save`` runs on the state (zj, Tj)
    before it, ``end`` on the new state before it is stored; ``track``: it updates max ηλ (:data:`_TRACK`).
    The step two before the check saves the state (for the period-2 test; ``save_more``: more of it). The
    last step keeps z̃ from before it (for the convergence ratio) and, in the same pass, flushes the subnormal
    values of the new state to 0 (``flush_more``: more of them) and counts the slots that may have settled
    (``cand``; a superset: diverged, |z̃| ≤ tol, which converged and unstable need, the period-2 test of
    z̃, or T = 0). ``tangent``: the tangent-map update of slot j, run before each step of the last ``lyap_steps``.
    The steps before the last two run in pairs with no branch between them, the second tracking, then one
    tracking step if their count is odd (in the Lyapunov tail, one at a time); the last step tracks.
    """
    tiny = repr(TINY)
    end = [f"zj = 0.0 if abs(zj) < {tiny} else zj", f"Tj = 0.0 if abs(Tj) < {tiny} else Tj",
           f"pz1[j] = 0.0 if abs(p1) < {tiny} else p1", *flush_more, "az = abs(zj)",
           "cand += (not (math.isfinite(zj) & math.isfinite(Tj))) | (az > blowup) | (Tj > blowup) | "
           "(az <= tol) | (abs(zj - pz[j]) <= ptol * max(az, tol)) | (Tj == 0.0)"]
    out = ["        i = 0; cand = 0", "        while i < k:"]
    run = "k - 2"
    if tangent is not None:
        out += ["            tail = lyap_steps > 0 and done + i >= tail_from",
                "            if tail:", *_loop(tangent, 16)]
        run = "i + 1 if tail else (min(k - 2, tail_from - done) if lyap_steps > 0 else k - 2)"
    return out + ["            if i == k - 2:", *_loop(one(["pz[j] = zj; pT[j] = Tj", *save_more], [], False), 16),
                  "                i += 1",
                  "            elif i == k - 1:", *_loop(one(["p1 = zj"], end, True), 16),
                  "                i += 1",
                  "            else:",
                  f"                e = {run}",
                  "                while i + 1 < e:",
                  *_loop(one([], [], False), 20), *_loop(one([], [], True), 20),
                  "                    i += 2",
                  "                if i < e:", *_loop(one([], [], True), 20),
                  "                    i += 1"]


def _check(classify: list[str], output: list[str], swap: list[str], final: list[str] | None = None) -> list[str]:
    """The check after a chunk (indent 8): when settling and some slots may have settled (``cand``), or at
    the end, the classification of every slot (``classify``: sets ``cl[j]``, -1 for a slot still running),
    the output of the settled ones and their removal from the block (``swap``: slot j takes slot n's state).
    ``final``: the output at the end of the run, where it differs from ``output``.
    """
    end = output if final is None else final
    return [
        "        done += k",
        "        last = done >= steps",
        "        if not (last or (settle and cand > 0)):",
        "            continue",
        *_loop(classify, 8),
        "        if last:",  # when no slot has left the block, slot j holds run s0 + j (a contiguous write)
        f"            if n == min({BLOCK}, N - s0):", *_loop(["c = cl[j]", *(ln.replace("q = idx[j]", "q = s0 + j")
                                                                  for ln in end)], 16),
        "            else:", *_loop(["c = cl[j]", *end], 16),
        "            n = 0",
        "        j = 0",
        "        while j < n:",
        "            c = cl[j]",
        "            if c < 0:",
        "                j += 1; continue",
        *_ind(output, 12),
        "            n -= 1",
        *_ind(swap, 12),
    ]


def _hoist(lines: list[str], params: set[str], state: set[str]) -> tuple[list[str], list[str], list[str]]:
    """Split traced lines into those computed once per trajectory and those computed every step.

    A line that reads a per-trajectory parameter (``params``) or a line of that kind, and no state variable
    or line that reads one, gives the same value at every step: it moves out of the step loop. Lines of
    shared parameters and constants alone go to both parts (the compiler hoists them out of the loops).
    Returns (per-trajectory lines, step lines, the per-trajectory names the step lines read). The same
    operations on the same operands: the values are bit for bit those of the unsplit lines.
    """
    per, step, fixed, state = [], [], set(params), set(state)
    word = re.compile(r"[A-Za-z_]\w*")
    for ln in lines:
        name, expr = ln.split(" = ", 1)
        words = set(word.findall(expr))
        if words & state:
            step.append(ln)
            state.add(name)
        elif words & fixed:
            per.append(ln)
            fixed.add(name)
        else:
            per.append(ln)
            step.append(ln)
    used = sorted({w for ln in step for w in word.findall(ln.split(" = ", 1)[1])} & fixed)
    return per, step, used


def _classify(same_modes: str = "") -> list[str]:
    """Class of slot j into ``cl[j]`` (-1: still running), without branches (mirrors ``batch.Loop._settle``).

    CHAOTIC is told from BOUNDED at the output (:data:`_LYAPUNOV`): this loop calls nothing, so it is vectorised.
    The period-2 test compares z̃ and T (and ``same_modes``, the test of the J̃ modes) with their values two
    steps before, to relative ``ptol``; T = 0 with z̃ ≠ 0, or a repeat with T ≤ ptol (no gradient: ``nog``), wins.
    """
    C = TrajectoryClass
    return [
        "zj = z[j]; Tj = T[j]; az = abs(zj)",
        "div = (not (math.isfinite(zj) & math.isfinite(Tj))) | (az > blowup) | (Tj > blowup)",
        "rho = az / abs(pz1[j])",  # nan on the line (0/0), inf leaving it: convergence from z~ alone
        "conv = (not div) & ((az > 0.0) & (rho < 1.0) & (az <= tol * (1.0 - rho)) | (zj == 0.0) & (abs(1.0 - Tj) < 1.0))",
        "unst = (not (div | conv)) & ((zj == 0.0) | (last & (az <= tol) & (not (rho < 1.0))))",
        "p2 = (k >= 2) & (not (div | conv)) & (az > tol) & (abs(zj - pz[j]) <= ptol * max(az, tol)) & "
        f"{same_modes}(abs(Tj - pT[j]) <= ptol * max(abs(Tj), 1e-300))",
        f"c = {int(C.BOUNDED)}; c = {int(C.PERIOD2)} if p2 else c",
        f"c = {int(C.UNSTABLE_FIXED_POINT)} if unst else c",
        f"nog = (not div) & (zj != 0.0) & ((Tj == 0.0) | p2 & (Tj <= ptol)); c = {int(C.NO_GRADIENT)} if nog else c",
        f"c = ({int(C.SELF_STABILIZED)} if m[j] >= 2.0 else {int(C.CONVERGED_BELOW)}) if conv else c",
        f"c = {int(C.DIVERGED)} if div else c",
        "cl[j] = c if div | conv | unst | p2 | nog | last else -1",
    ]


#: At the end of the run, the Lyapunov exponent ``lam`` of slot j, of class ``c``, from its tangent vector
#: (:func:`numerics.engines.loop.lyapunov`): a bounded run (none of the other classes) with an exponent above
#: ``lyap_min`` is CHAOTIC. NaN for the other classes or without a tail.
_LYAPUNOV = ["lam = math.nan", f"if c == {int(TrajectoryClass.BOUNDED)} and lyap_steps > 0:",
             "    h = math.hypot(v0[j], v1[j])", "    if h > 0.0 and h < math.inf:",
             f"        lam = (math.log(h) + ex[j] * {LN_RESCALE!r}) / lyap_steps",
             f"    c = {int(TrajectoryClass.CHAOTIC)} if lam > lyap_min else c"]


def _output(more: list[str]) -> list[str]:
    """Write slot j, of class ``c``, to the outputs at its trajectory's index (``more``: other outputs)."""
    return ["q = idx[j]", "cls_out[q] = c; steps_out[q] = done; maxT_out[q] = m[j]; zt_out[q] = z[j]; T_out[q] = T[j]",
            *more]


def _swap(names: str, rows: dict[str, str]) -> list[str]:
    """Slot j takes slot n's values: the 1-D arrays ``names`` and the columns of the 2-D arrays ``rows``."""
    out = ["; ".join(f"{a}[j] = {a}[n]" for a in names.split())]
    for a, r in rows.items():
        out += [f"for p in range({r}):", f"    {a}[p, j] = {a}[p, n]"]
    return out


def folded(a: float, b: float) -> tuple[float | None, float | None]:
    """The model constants a kernel folds in: a, b where the trace folds them (0 or 1), else None (run time).

    The numpy back end traces the step with a, b as numbers, and the trace drops x·0, x ± 0 and x·1
    (:mod:`numerics.compile.float64`). A kernel generated with the same values folded in runs the same
    operations per step as that trace; every other value is a kernel argument, so one compiled kernel
    serves all the models of a shape (at most nine shapes: a and b each 0, 1, or read at run time).
    """
    return tuple(float(v) if v in (0.0, 1.0) else None for v in (a, b))


def _traced(fn, fold, prefix):
    """Scalar lines of ``fn(z̃, T, a, b, Ẽ)``, with a, b folded in where ``fold`` gives them."""
    names = ["zt", "T", "Et"] + [n for n, v in zip("ab", fold) if v is None]

    def bound(z, t, e, *run):
        rest = iter(run)
        return fn(z, t, *(next(rest) if v is None else v for v in fold), e)

    return scalar_lines(bound, dict(zip(names, ["zj", "Tj", "Ej", *names[3:]])), prefix)


def _planar_source(bookkeeping: bool, fold: tuple = (None, None)) -> str:
    step, (zn, Tn) = _traced(lambda z, t, a, b, e: (d.planar_zt_next(z, t, a, b, e), d.planar_T_next(z, t, a, b, e)),
                             fold, "_s")
    jac, (j11, j12, j21, j22) = _traced(d.planar_jacobian, fold, "_g")
    args = "zt0, T0, Et0, a, b, steps, check_every, settle, tol, blowup, ptol, lyap_steps, lyap_min, " \
           "zt_out, T_out, cls_out, steps_out, maxT_out, lyap_out"
    per, step, used = _hoist(step, {"Ej"}, {"zj", "Tj"})
    load = ["zj = z[j]; Tj = T[j]", *(f"{u} = H[{h}, j]" for h, u in enumerate(used))]
    hoisted = ["Ej = E[j]", *per, *(f"H[{h}, j] = {u}" for h, u in enumerate(used))]
    upd = f"zj = {zn}; Tj = {Tn}"

    def one(save, end, track):
        return [*load, *save, *step, upd, *([_TRACK] if track else []), *end, "z[j] = zj; T[j] = Tj"]

    if not bookkeeping:  # the bare step loop, for the benchmark of the bookkeeping's cost
        body = [
            "N = zt0.shape[0]",
            f"z = np.empty({BLOCK}); T = np.empty({BLOCK}); E = np.empty({BLOCK}); H = np.empty(({len(used)}, {BLOCK}))",
            f"for s0 in range(0, N, {BLOCK}):",
            f"    n = min({BLOCK}, N - s0)",
            *_loop(["z[j] = zt0[s0 + j]; T[j] = T0[s0 + j]; E[j] = Et0[s0 + j]", *hoisted], 4),
            "    for i in range(steps):",
            *_loop([*load, *step, upd, "z[j] = zj; T[j] = Tj"], 8),
            *_loop(["zt_out[s0 + j] = z[j]; T_out[s0 + j] = T[j]"], 4),
        ]
        return _named("planar_bare", args, body)
    tangent = [  # v -> J v, rescaled by a power of two out of range, as in Loop._tangent_step
        "zj = z[j]; Tj = T[j]; Ej = E[j]", *jac,
        f"w0 = {j11} * v0[j] + {j12} * v1[j]; w1 = {j21} * v0[j] + {j22} * v1[j]; g0 = abs(w0); g1 = abs(w1)",
        f"up = (g0 > {EDGE!r}) | (g1 > {EDGE!r}); dn = (g0 < {1 / EDGE!r}) & (g1 < {1 / EDGE!r})",
        f"sc = {1 / RESCALE!r} if up else ({RESCALE!r} if dn else 1.0)",
        "v0[j] = w0 * sc; v1[j] = w1 * sc; ex[j] += (1.0 if up else 0.0) - (1.0 if dn else 0.0)",
    ]
    one_d = "z T E m pz pz1 pT v0 v1 ex idx cl"
    body = [
        "N = zt0.shape[0]",
        *(f"{a} = np.empty({BLOCK})" for a in one_d.split()[:-2]),
        f"idx = np.empty({BLOCK}, np.int64); cl = np.empty({BLOCK}, np.int8); H = np.empty(({len(used)}, {BLOCK}))",
        "tail_from = steps - lyap_steps",
        f"for s0 in range(0, N, {BLOCK}):",
        f"    n = min({BLOCK}, N - s0)",
        *_loop(["zj = zt0[s0 + j]; Tj = T0[s0 + j]; z[j] = zj; T[j] = Tj; E[j] = Et0[s0 + j]", *hoisted,
                "idx[j] = s0 + j; m[j] = Tj; pz[j] = zj; pz1[j] = zj; pT[j] = Tj"], 4),
        "    if lyap_steps > 0:",
        *_loop(["v0[j] = math.sqrt(0.5); v1[j] = v0[j]; ex[j] = 0.0"], 8),
        "    done = 0",
        "    while done < steps and n > 0:",
        "        k = min(check_every, steps - done)",
        "        if steps - done - k == 1:",
        "            k += 1",
        *_steps(one, tangent),
        *_check(_classify(), _output(["lyap_out[q] = math.nan"]), _swap(one_d, {"H": str(len(used))}),
                [*_LYAPUNOV, *_output(["lyap_out[q] = lam"])]),
    ]
    return _named("planar", args, body)


def _modes_source() -> str:
    zstep, (zn,) = scalar_lines(lambda z, t, s: (d.gd_zt_next(z, t, s),), dict(zt="zj", T="Tj", S="S"), "_s")
    jstep, (jn,) = scalar_lines(lambda z, w, J: (d.gd_J2t_next(z, w, J),), dict(zt="zj", omega="w[p]", J2="Jp"),
                                "_g")
    args = "zt0, J0, T0, w, steps, check_every, settle, tol, blowup, ptol, zt_out, J_out, T_out, cls_out, " \
           "steps_out, maxT_out, lyap_out"

    def one(save, end, track):
        return [
            "zj = z[j]; Tj = T[j]",
            *save,
            "S = w[0] * J[0, j]",
            "for p in range(1, P):",
            "    S = S + w[p] * J[p, j]",
            *zstep,
            "t = 0.0",
            "for p in range(P):",
            "    Jp = J[p, j]",
            *_ind(jstep, 4),
            f"    J[p, j] = {jn}",
            f"    t = {jn} if p == 0 else t + {jn}",
            f"zj = {zn}; Tj = t",
            *([_TRACK] if track else []),
            *end,
            "z[j] = zj; T[j] = Tj",
        ]

    sameJ = ["sameJ = True",
             "for p in range(P):",
             "    sameJ = sameJ & (abs(J[p, j] - pJ[p, j]) <= ptol * max(abs(J[p, j]), 1e-300))"]
    one_d = "z T m pz pz1 pT idx cl"
    body = [
        "N = zt0.shape[0]",
        "P = w.shape[0]",
        *(f"{a} = np.empty({BLOCK})" for a in one_d.split()[:-2]),
        f"idx = np.empty({BLOCK}, np.int64); cl = np.empty({BLOCK}, np.int8)",
        f"J = np.empty((P, {BLOCK})); pJ = np.empty((P, {BLOCK}))",
        f"for s0 in range(0, N, {BLOCK}):",
        f"    n = min({BLOCK}, N - s0)",
        *_loop(["idx[j] = s0 + j; z[j] = zt0[s0 + j]; T[j] = T0[s0 + j]; m[j] = T[j]",
                "pz[j] = z[j]; pz1[j] = z[j]; pT[j] = T[j]",
                "for p in range(P):",
                "    J[p, j] = J0[s0 + j, p]; pJ[p, j] = J[p, j]"], 4),
        "    done = 0",
        "    while done < steps and n > 0:",
        "        k = min(check_every, steps - done)",
        "        if steps - done - k == 1:",
        "            k += 1",
        *_steps(one, None, ("for p in range(P):", "    pJ[p, j] = J[p, j]"),
                ("for p in range(P):", f"    if abs(J[p, j]) < {TINY!r}: J[p, j] = 0.0")),
        *_check([*sameJ, *_classify("sameJ & ")],
                _output(["for p in range(P):", "    J_out[q, p] = J[p, j]"]),
                _swap(one_d, {"J": "P", "pJ": "P"})),
    ]
    return _named("modes", args, body)


def _named(kind: str, args: str, body: list[str]) -> str:
    text = "\n".join(f"    {ln}" for ln in body) + "\n"
    h = hashlib.sha256((kind + args + text).encode()).hexdigest()[:16]
    return f"def _{kind}_kernel_{h}({args}):\n{text}"


_F, _I, _B = "float64", "int64", "boolean"
_SIGS = {
    "planar": f"void({_F}[::1], {_F}[::1], {_F}[::1], {_F}, {_F}, {_I}, {_I}, {_B}, {_F}, {_F}, {_F}, {_I}, {_F}, "
              f"{_F}[::1], {_F}[::1], int8[::1], {_I}[::1], {_F}[::1], {_F}[::1])",
    "modes": f"void({_F}[::1], {_F}[:, ::1], {_F}[::1], {_F}[::1], {_I}, {_I}, {_B}, {_F}, {_F}, {_F}, {_F}[::1], "
             f"{_F}[:, ::1], {_F}[::1], int8[::1], {_I}[::1], {_F}[::1], {_F}[::1])",
}
_SIGS["planar_bare"] = _SIGS["planar"]
_CACHE: dict[str, object] = {}


def _compiled(kind: str, fold: tuple = (None, None)):
    """The kernel ``kind`` (for the planar kernels, with ``fold`` folded in), compiled once per process
    (numba's cache keeps it across processes)."""
    k = _CACHE.get((kind, fold))
    if k is None:
        import numba

        src = _modes_source() if kind == "modes" else _planar_source(kind == "planar", fold)
        env = dict(globals())  # __name__ is this module's: numba's cache rebuilds the globals from it
        # this module's file name lets numba locate a cache folder; the function's name carries the source's hash
        exec(compile(src, __file__, "exec"), env)
        fn = env[src[4:src.index("(")]]
        try:
            k = numba.njit(_SIGS[kind], cache=True, nogil=True, error_model="numpy")(fn)
        except RuntimeError:  # no writable cache folder anywhere: compile for this process only
            k = numba.njit(_SIGS[kind], nogil=True, error_model="numpy")(fn)
        k.source = src
        _CACHE[(kind, fold)] = k
    return k


def planar_kernel(a: float | None = None, b: float | None = None, *, bookkeeping: bool = True):
    """The compiled 2-D (z̃, T) kernel for a model with these a, b (see ``_planar_source`` for its arguments).

    The kernel takes a, b as arguments; those that :func:`folded` folds in (0 or 1) are constants of the
    kernel, which then must be called with the same values. None: the kernel that reads both at run time.
    """
    fold = folded(a, b) if a is not None and b is not None else (None, None)
    return _compiled("planar" if bookkeeping else "planar_bare", fold)


def modes_kernel():
    """The compiled P-mode kernel."""
    return _compiled("modes")
