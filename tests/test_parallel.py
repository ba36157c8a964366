"""numerics.parallel: every executor returns the same results, in order."""
from __future__ import annotations

import os

import pytest

from sorm.numerics.parallel import THREAD_VARIABLES, check_scheduler, default_workers, map_runs, one_core
from sorm.numerics.validate import InputError


def _square_plus_pid_free(x):
    return (x, x * x)


def _boom(x):
    if x == 3:
        raise ZeroDivisionError("run 3")
    return x


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(host="127.0.0.1", protocol="tcp", n_workers=2, threads_per_worker=1,
                                  processes=False, dashboard_address=None) as c:
        yield c


@pytest.mark.parametrize("workers", [1, 2])
def test_local_order(workers):
    assert map_runs(_square_plus_pid_free, range(7), workers=workers, progress=False) == \
        [(x, x * x) for x in range(7)]


def test_dask_same_as_local(cluster):
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    got = map_runs(_square_plus_pid_free, range(7), scheduler=cluster.scheduler_address, progress=False)
    assert got == map_runs(_square_plus_pid_free, range(7), workers=1, progress=False)


def _thread_policy(_):
    """What a run sees: the thread variables, the BLAS and OpenMP thread counts, the nested default."""
    from threadpoolctl import threadpool_info

    return ([os.environ.get(v) for v in THREAD_VARIABLES], {i["num_threads"] for i in threadpool_info()},
            default_workers())


def test_one_core_inside_and_restored(monkeypatch):
    import numpy  # noqa: F401  (a BLAS to limit)

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    before = _thread_policy(None)
    with one_core():
        assert _thread_policy(None) == (["1"] * len(THREAD_VARIABLES), {1}, 1)
    assert _thread_policy(None) == before
    assert before[0][:2] == ["3", None]


def test_workers_run_on_one_core():
    """Each pool process runs on one core, so a run that would start a pool of its own runs in turn."""
    assert map_runs(_thread_policy, range(4), workers=2, progress=False) == \
        [(["1"] * len(THREAD_VARIABLES), {1}, 1)] * 4


def test_one_blas_thread_covers_scipy_loaded_later():
    """networks.ops.one_blas_thread loads scipy's own OpenBLAS before limiting it (threadpoolctl limits only
    loaded libraries), so Lanczos (scipy's ARPACK) runs on one thread even when scipy comes in later."""
    import subprocess
    import sys

    code = ("from threadpoolctl import threadpool_info\n"
            "from sorm.numerics.networks.ops import one_blas_thread\n"
            "with one_blas_thread():\n"
            "    import scipy.sparse.linalg\n"
            "    print(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}))\n")
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env["OPENBLAS_NUM_THREADS"] = "2"  # what an unlimited library would run on here
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[1]", out


@pytest.mark.parametrize("workers", [1, 2])
def test_error_propagates(workers):
    with pytest.raises(ZeroDivisionError, match="run 3"):
        map_runs(_boom, range(6), workers=workers, progress=False)


@pytest.mark.parametrize("address", ["127.0.0.1:8786", "tcp://", "tcp://host:port", "http://x:1"])
def test_bad_scheduler(address):
    with pytest.raises(InputError, match="scheduler="):
        check_scheduler(address)


def test_no_scheduler_there(monkeypatch):
    monkeypatch.setattr("sorm.numerics.parallel.CONNECT_TIMEOUT", "1s")
    with pytest.raises(InputError, match="no dask.distributed scheduler"):
        map_runs(_square_plus_pid_free, range(2), scheduler="tcp://127.0.0.1:9", progress=False)
