"""Where a tagging corpus is found without being told: UD English GUM next to the repository.

The development machines keep the Universal Dependencies English GUM treebank (CC BY 4.0)
in ../shared/corpora/ud-gum; its training file is not there, so runs train on the dev
file and are tested on the test file. `gum()` finds them from the repository (or a git
worktree of it) upwards; nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[3]
GUM_DIR = "shared/corpora/ud-gum"
GUM_DEV, GUM_TEST = "en_gum-ud-dev.conllu", "en_gum-ud-test.conllu"


def gum_dir(start: Path = ROOT) -> Optional[Path]:
    """The ud-gum folder in START or one of its parents, if there is one with GUM_DEV."""
    for folder in (start, *start.parents):
        if (folder / GUM_DIR / GUM_DEV).is_file():
            return folder / GUM_DIR
    return None


def gum() -> Optional[tuple[Path, Optional[Path]]]:
    """(dev file, test file or None), or None when GUM is not around."""
    found = gum_dir()
    if found is None:
        return None
    test = found / GUM_TEST
    return found / GUM_DEV, test if test.is_file() else None
