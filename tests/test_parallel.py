"""numerics.parallel: every executor returns the same results, in order."""
from __future__ import annotations

import pytest

from sorm.numerics.parallel import check_scheduler, map_runs
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
