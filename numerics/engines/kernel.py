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
from .loop import TINY

__all__ = ["numba_available", "planar_kernel", "modes_kernel", "BLOCK"]

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


def _chunks(save_prev2: list[str]) -> list[str]:
    """Head of the loop over the chunks of a block: ``k`` steps to the next check (never a last chunk of one
    step), and the state two steps before the check (``save_prev2``: more of it) and z̃ one step before it."""
    return [
        "    done = 0",
        "    while done < steps and n > 0:",
        "        k = min(check_every, steps - done)",
        "        if steps - done - k == 1:",
        "            k += 1",
        "        for i in range(k):",
        "            if i == k - 2:",
        "                for j in range(n):",
        "                    pz[j] = z[j]; pT[j] = T[j]",
        *save_prev2,
        "            if i == k - 1:",
        "                for j in range(n):",
        "                    pz1[j] = z[j]",
    ]


def _check(flush: list[str]) -> list[str]:
    """A check after a chunk: subnormal values flushed to 0 (``flush``: more of them), then, when settling or
    at the end, the loop over the block's slots that classifies and swaps out the settled ones (each kernel
    swaps ``C[j] = C[n]`` with its state)."""
    return [
        "        done += k",
        "        last = done >= steps",
        "        for j in range(n):",
        f"            if abs(z[j]) < {TINY!r}: z[j] = 0.0",
        f"            if abs(pz1[j]) < {TINY!r}: pz1[j] = 0.0",
        f"            if abs(T[j]) < {TINY!r}: T[j] = 0.0",
        *flush,
        "        if not (settle or last):",
        "            continue",
        # a vectorised pass marks the slots that may have settled (a superset: diverged, |z~| <= tol, which
        # converged and unstable need, or the period-2 test of z~); the classification visits only those
        "        for j in range(n):",
        "            zj = z[j]; Tj = T[j]; az = abs(zj)",
        "            C[j] = (not (math.isfinite(zj) & math.isfinite(Tj))) | (az > blowup) | (Tj > blowup) | "
        "(az <= tol) | (abs(zj - pz[j]) <= ptol * max(az, tol))",
        "        j = 0",
        "        while j < n:",
        "            if not (last or C[j]):",
        "                j += 1",
        "                continue",
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


def _classify(has_lyap: bool, same_modes: str = "") -> list[str]:
    """Settle check and classification of slot j (mirrors ``batch.Loop._settle``).

    The period-2 test compares z̃ and T (and ``same_modes``, the test of the
    J̃ modes) with their values two steps before, to relative ``ptol``.
    """
    C = TrajectoryClass
    same = same_modes + "abs(Tj - pT[j]) <= ptol * max(abs(Tj), 1e-300)"
    out = [
        "zj = z[j]",
        "Tj = T[j]",
        "az = abs(zj)",
        "div = not (math.isfinite(zj) and math.isfinite(Tj)) or az > blowup or Tj > blowup",
        "rho = az / abs(pz1[j])",  # nan on the line (0/0), inf leaving it: convergence from z~ alone
        "conv = (not div) and rho < 1.0 and az <= tol * (1.0 - rho)",
        "conv = conv or ((not div) and zj == 0.0 and abs(1.0 - Tj) < 1.0)",
        "unst = (not div) and (not conv) and (zj == 0.0 or (last and az <= tol and not rho < 1.0))",
        "p2 = False",
        "if k >= 2 and not div and not conv and az > tol:",
        f"    p2 = abs(zj - pz[j]) <= ptol * max(az, tol) and {same}",
        "if div or conv or unst or p2 or last:",
        f"    c = {int(C.BOUNDED)}",
    ]
    if has_lyap:
        out += [
            "    if lyap_steps > 0 and done > tail_from and not (div or conv or unst or p2):",
            "        lam = ls[j] / lyap_steps",
            "        lyap_out[idx[j]] = lam",
            "        if math.isfinite(lam) and lam > lyap_min:",
            f"            c = {int(C.CHAOTIC)}",
        ]
    out += [
        "    if p2:",
        f"        c = {int(C.PERIOD2)}",
        "    if unst:",
        f"        c = {int(C.UNSTABLE_FIXED_POINT)}",
        "    if conv:",
        f"        c = {int(C.SELF_STABILIZED)} if m[j] >= 2.0 else {int(C.CONVERGED_BELOW)}",
        "    if div:",
        f"        c = {int(C.DIVERGED)}",
        "    q = idx[j]",
        "    cls_out[q] = c",
        "    steps_out[q] = done",
        "    maxT_out[q] = m[j]",
    ]
    return out


def _planar_source(bookkeeping: bool) -> str:
    step, (zn, Tn) = scalar_lines(lambda z, t, a, b, e: (d.planar_zt_next(z, t, a, b, e),
                                                          d.planar_T_next(z, t, a, b, e)),
                                  dict(zt="zj", T="Tj", a="a", b="b", Et="Ej"), "_s")
    jac, (j11, j12, j21, j22) = scalar_lines(lambda z, t, a, b, e: d.planar_jacobian(z, t, a, b, e),
                                             dict(zt="zj", T="Tj", a="a", b="b", Et="Ej"), "_g")
    args = "zt0, T0, Et0, a, b, steps, check_every, settle, tol, blowup, ptol, lyap_steps, lyap_min, " \
           "zt_out, T_out, cls_out, steps_out, maxT_out, lyap_out"
    per, step, used = _hoist(step, {"Ej"}, {"zj", "Tj"})
    body = [
        "N = zt0.shape[0]",
        f"z = np.empty({BLOCK}); T = np.empty({BLOCK}); E = np.empty({BLOCK}); m = np.empty({BLOCK})",
        f"pz = np.empty({BLOCK}); pz1 = np.empty({BLOCK}); pT = np.empty({BLOCK}); idx = np.empty({BLOCK}, np.int64)",
        f"C = np.empty({BLOCK}, np.bool_)",
        f"v0 = np.empty({BLOCK}); v1 = np.empty({BLOCK}); ls = np.empty({BLOCK}); H = np.empty(({len(used)}, {BLOCK}))",
        "tail_from = steps - lyap_steps",
        "r = math.sqrt(0.5)",
        f"for s0 in range(0, N, {BLOCK}):",
        f"    n = min({BLOCK}, N - s0)",
        "    for j in range(n):",
        "        idx[j] = s0 + j; z[j] = zt0[s0 + j]; T[j] = T0[s0 + j]; E[j] = Et0[s0 + j]; m[j] = T[j]",
        "        v0[j] = r; v1[j] = r; ls[j] = 0.0",
        *_chunks([]),
        "            if i == 0:",  # the per-trajectory values of the step, for the slots of this chunk
        "                for j in range(n):",
        "                    Ej = E[j]",
        *_ind(per, 20),
        *(f"                    H[{h}, j] = {u}" for h, u in enumerate(used)),
        "            if lyap_steps > 0 and done + i >= tail_from:",
        "                for j in range(n):",
        "                    zj = z[j]; Tj = T[j]; Ej = E[j]",
        *_ind(jac, 20),
        f"                    w0 = {j11} * v0[j] + {j12} * v1[j]",
        f"                    w1 = {j21} * v0[j] + {j22} * v1[j]",
        "                    h = math.hypot(w0, w1)",
        "                    if math.isfinite(h) and h > 0.0:",
        "                        ls[j] += math.log(h); v0[j] = w0 / h; v1[j] = w1 / h",
        "                    else:",
        "                        ls[j] = math.nan; v0[j] = w0; v1[j] = w1",
        "            for j in range(n):",
        "                zj = z[j]; Tj = T[j]",
        *(f"                {u} = H[{h}, j]" for h, u in enumerate(used)),
        *_ind(step, 16),
        f"                z[j] = {zn}; T[j] = {Tn}",
        f"                m[j] = max(m[j], {Tn})",  # max(m, nan) is m
        *_check([]),
        *_ind(_classify(True), 12),
        "                zt_out[q] = zj; T_out[q] = Tj",
        "                n -= 1",
        "                idx[j] = idx[n]; z[j] = z[n]; T[j] = T[n]; E[j] = E[n]; m[j] = m[n]; C[j] = C[n]",
        "                pz[j] = pz[n]; pz1[j] = pz1[n]; pT[j] = pT[n]; v0[j] = v0[n]; v1[j] = v1[n]; ls[j] = ls[n]",
        "            else:",
        "                j += 1",
    ]
    if not bookkeeping:  # the bare step loop, for the benchmark of the bookkeeping's cost
        body = [
            "N = zt0.shape[0]",
            f"z = np.empty({BLOCK}); T = np.empty({BLOCK}); H = np.empty(({len(used)}, {BLOCK}))",
            f"for s0 in range(0, N, {BLOCK}):",
            f"    n = min({BLOCK}, N - s0)",
            "    for j in range(n):",
            "        z[j] = zt0[s0 + j]; T[j] = T0[s0 + j]; Ej = Et0[s0 + j]",
            *_ind(per, 8),
            *(f"        H[{h}, j] = {u}" for h, u in enumerate(used)),
            "    for i in range(steps):",
            "        for j in range(n):",
            "            zj = z[j]; Tj = T[j]",
            *(f"            {u} = H[{h}, j]" for h, u in enumerate(used)),
            *_ind(step, 12),
            f"            z[j] = {zn}; T[j] = {Tn}",
            "    for j in range(n):",
            "        zt_out[s0 + j] = z[j]; T_out[s0 + j] = T[j]",
        ]
    return _named("planar" if bookkeeping else "planar_bare", args, body)


def _modes_source() -> str:
    zstep, (zn,) = scalar_lines(lambda z, t, s: (d.gd_zt_next(z, t, s),), dict(zt="zj", T="Tj", S="S"), "_s")
    jstep, (jn,) = scalar_lines(lambda z, w, J: (d.gd_J2t_next(z, w, J),), dict(zt="zj", omega="w[p]", J2="Jp"),
                                "_g")
    args = "zt0, J0, T0, w, steps, check_every, settle, tol, blowup, ptol, zt_out, J_out, T_out, cls_out, " \
           "steps_out, maxT_out, lyap_out"
    P = "P"
    body = [
        "N = zt0.shape[0]",
        "P = w.shape[0]",
        f"z = np.empty({BLOCK}); T = np.empty({BLOCK}); m = np.empty({BLOCK}); J = np.empty((P, {BLOCK}))",
        f"pz = np.empty({BLOCK}); pz1 = np.empty({BLOCK}); pT = np.empty({BLOCK}); pJ = np.empty((P, {BLOCK})); "
        f"idx = np.empty({BLOCK}, np.int64); C = np.empty({BLOCK}, np.bool_)",
        f"for s0 in range(0, N, {BLOCK}):",
        f"    n = min({BLOCK}, N - s0)",
        "    for j in range(n):",
        "        idx[j] = s0 + j; z[j] = zt0[s0 + j]; T[j] = T0[s0 + j]; m[j] = T[j]",
        f"        for p in range({P}):",
        "            J[p, j] = J0[s0 + j, p]",
        *_chunks([f"                    for p in range({P}):", "                        pJ[p, j] = J[p, j]"]),
        "            for j in range(n):",
        "                zj = z[j]; Tj = T[j]",
        "                S = w[0] * J[0, j]",
        f"                for p in range(1, {P}):",
        "                    S = S + w[p] * J[p, j]",
        *_ind(zstep, 16),
        "                t = 0.0",
        f"                for p in range({P}):",
        "                    Jp = J[p, j]",
        *_ind(jstep, 20),
        f"                    J[p, j] = {jn}",
        f"                    t = {jn} if p == 0 else t + {jn}",
        f"                z[j] = {zn}; T[j] = t",
        "                m[j] = max(m[j], t)",
        *_check([f"            for p in range({P}):", f"                if abs(J[p, j]) < {TINY!r}: J[p, j] = 0.0"]),
        "            sameJ = True",
        f"            for p in range({P}):",
        "                sameJ = sameJ and abs(J[p, j] - pJ[p, j]) <= ptol * max(abs(J[p, j]), 1e-300)",
        *_ind(_classify(False, "sameJ and "), 12),
        "                zt_out[q] = zj; T_out[q] = Tj",
        f"                for p in range({P}):",
        "                    J_out[q, p] = J[p, j]",
        "                n -= 1",
        "                idx[j] = idx[n]; z[j] = z[n]; T[j] = T[n]; m[j] = m[n]; pz[j] = pz[n]; pz1[j] = pz1[n]; C[j] = C[n]",
        "                pT[j] = pT[n]",
        f"                for p in range({P}):",
        "                    J[p, j] = J[p, n]; pJ[p, j] = pJ[p, n]",
        "            else:",
        "                j += 1",
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


def _compiled(kind: str):
    """The kernel ``kind``, compiled once per process (numba's cache keeps it across processes)."""
    k = _CACHE.get(kind)
    if k is None:
        import numba

        src = _modes_source() if kind == "modes" else _planar_source(kind == "planar")
        env = dict(globals())  # __name__ is this module's: numba's cache rebuilds the globals from it
        # this module's file name lets numba locate a cache folder; the function's name carries the source's hash
        exec(compile(src, __file__, "exec"), env)
        fn = env[src[4:src.index("(")]]
        try:
            k = numba.njit(_SIGS[kind], cache=True, nogil=True, error_model="numpy")(fn)
        except RuntimeError:  # no writable cache folder anywhere: compile for this process only
            k = numba.njit(_SIGS[kind], nogil=True, error_model="numpy")(fn)
        k.source = src
        _CACHE[kind] = k
    return k


def planar_kernel(*, bookkeeping: bool = True):
    """The compiled 2-D (z̃, T) kernel (see ``_planar_source`` for its arguments)."""
    return _compiled("planar" if bookkeeping else "planar_bare")


def modes_kernel():
    """The compiled P-mode kernel."""
    return _compiled("modes")
