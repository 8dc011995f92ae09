"""One intra-op thread for these tests: on 2 shared cores, 2 threads made a 0.1 s loop 20 s."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
