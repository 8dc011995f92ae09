"""One torch thread for the classifier tests: the machine's two cores are shared, and two
intra-op threads under other load make tiny models 20x slower (measured-facts.md)."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
