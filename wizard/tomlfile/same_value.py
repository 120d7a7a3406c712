"""Equality as TOML sees it, the test every edit's result must pass."""

from __future__ import annotations

import math
from typing import Any


def same_value(left: Any, right: Any) -> bool:
    """Equality as TOML sees it: ``1``, ``1.0`` and ``true`` differ, ``nan`` equals ``nan``.

    Python's ``==`` treats ``True == 1``, which would let an edit that must
    write ``true`` over ``1`` pass as a no-op and leave a value the runner rejects.
    """
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_value(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same_value, left, right))
    if type(left) is not type(right):
        return False
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)
