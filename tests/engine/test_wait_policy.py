"""How idle OpenMP threads wait (engine/training/threads.py wait_env, set_wait_policy) and the
spin variants of benchmarks/load.py that will pick threads.SPIN_COUNT."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.load import NO_WAIT, VARIANTS, variant
from engine.training import threads
from engine.training.threads import wait_env

ROOT = Path(__file__).resolve().parents[2]


def test_spin_count_zero_is_the_passive_policy():
    assert wait_env({}, 0) == {"OMP_WAIT_POLICY": "PASSIVE"}


def test_a_bounded_spin_count_leaves_the_policy_unset():
    # an unset policy is what lets libgomp spin GOMP_SPINCOUNT times, then sleep
    # (and LLVM's / Intel's OpenMP get the same bound as a time: at least 1 ms)
    assert wait_env({}, 10_000) == {"GOMP_SPINCOUNT": "10000", "KMP_BLOCKTIME": "1"}
    assert wait_env({}, 300_000)["KMP_BLOCKTIME"] == "3"


@pytest.mark.parametrize("user", [{"OMP_WAIT_POLICY": "ACTIVE"}, {"GOMP_SPINCOUNT": "5"},
                                  {"KMP_BLOCKTIME": "0"},
                                  {"OMP_WAIT_POLICY": "passive", "GOMP_SPINCOUNT": "1k"}])
@pytest.mark.parametrize("spin", [0, 10_000])
def test_the_users_choice_wins(user, spin):
    assert wait_env(user, spin) == {}


def test_an_empty_variable_counts_as_unset():
    assert wait_env({"OMP_WAIT_POLICY": ""}, 0) == {"OMP_WAIT_POLICY": "PASSIVE"}


def test_the_engine_default_is_a_bounded_spin():
    # issue 24: measured on a quiet machine by benchmarks/load.py (spin-30k vs PASSIVE)
    assert threads.SPIN_COUNT == 30_000
    assert VARIANTS["auto"][1]["GOMP_SPINCOUNT"] == "30000"
    assert VARIANTS["auto"][1]["OMP_WAIT_POLICY"] == ""  # unset: the spin count rules


@pytest.mark.parametrize("name,count", [("spin-3k", "3000"), ("spin-100", "100"),
                                        ("spin-1M", "1000000")])
def test_load_spin_variants_adapt_threads_and_set_the_spin_count(name, count):
    n, env = variant(name)
    assert n == 0 and env["GOMP_SPINCOUNT"] == count and env["OMP_WAIT_POLICY"] == ""
    assert set(env) == set(NO_WAIT)  # every wait variable named: the shell's never leak in


def test_load_spin_zero_is_passive_and_unknown_names_stop():
    assert variant("spin-0")[1] == {**NO_WAIT, "OMP_WAIT_POLICY": "PASSIVE"}
    with pytest.raises(SystemExit, match="unknown variant"):
        variant("spin-fast")


@pytest.mark.parametrize("spin,shown", [(0, "GOMP_SPINCOUNT = '0'"),
                                        (20_000, "GOMP_SPINCOUNT = '20000'")])
def test_the_choice_reaches_openmp(spin, shown):
    """set_wait_policy before torch starts: libgomp reports the spin count it uses."""
    code = ("from engine.training import threads; threads.SPIN_COUNT = %d; "
            "threads.set_wait_policy(); import torch; torch.ones(4).sum()" % spin)
    env = {k: v for k, v in os.environ.items() if k not in NO_WAIT}
    env.update(OMP_DISPLAY_ENV="VERBOSE", PYTHONPATH=str(ROOT))
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120).stderr
    if "OPENMP DISPLAY ENVIRONMENT" not in err:
        pytest.skip("torch's OpenMP is not libgomp here (no OMP_DISPLAY_ENV report)")
    assert shown in err
