"""The model runtime's thread policy (``model.choose_threads``): busy cores are left alone."""

from __future__ import annotations

from error_tutor_server.model import choose_threads


def test_thread_policy_leaves_busy_cores_alone():
    assert choose_threads(0, cores=2, busy=0) == 2
    assert choose_threads(0, cores=2, busy=2) == 1  # two busy processes: one thread, not a collapse
    assert choose_threads(0, cores=16, busy=0) == 4
    assert choose_threads(3, cores=2, busy=5) == 3  # an explicit setting wins
