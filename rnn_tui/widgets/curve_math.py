"""The numbers behind the loss chart: unit conversion (nats, bits, perplexity), the log axis,
and binning tens of thousands of points into one min/max/last per screen column."""

from __future__ import annotations

import math

import numpy as np

LN2 = math.log(2.0)
UNITS = ("nats", "bits", "ppl")
SCALES = ("linear", "log")


def convert_nats(values, unit: str):
    """Convert loss values from nats to ``unit`` ("nats", "bits" = nats/ln 2, "ppl" = exp(nats)).

    Works on floats and numpy arrays; overflow gives inf (never raises).
    """
    if unit == "nats":
        return values
    if unit == "bits":
        return values / LN2 if isinstance(values, np.ndarray) else float(values) / LN2
    if unit == "ppl":
        with np.errstate(over="ignore", invalid="ignore"):
            if isinstance(values, np.ndarray):
                return np.exp(values)
            try:
                return math.exp(float(values))
            except OverflowError:
                return math.inf
    raise ValueError(f"unknown unit {unit!r}; expected one of {UNITS}")


def scale_values(values, scale: str):
    """Map display values to plot space: identity for "linear", log10 for "log" (<=0 -> NaN)."""
    if scale == "linear":
        return values
    if scale == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            if isinstance(values, np.ndarray):
                out = np.log10(values)
                out[~(values > 0)] = np.nan
                return out
            v = float(values)
            return math.log10(v) if v > 0 and math.isfinite(v) else math.nan
    raise ValueError(f"unknown scale {scale!r}; expected one of {SCALES}")


def bin_columns(xs: np.ndarray, ys: np.ndarray, x0: float, x1: float, ncols: int):
    """Per-column min/max/last of (x, y) points; x must be sorted. Returns (cols, lo, hi, last)."""
    if len(xs) == 0 or ncols <= 0:
        e = np.zeros(0)
        return np.zeros(0, dtype=np.int64), e, e, e
    span = (x1 - x0) or 1.0
    col = ((xs - x0) * ((ncols - 1) / span) + 0.5).astype(np.int64)
    np.clip(col, 0, ncols - 1, out=col)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    lo = np.minimum.reduceat(ys, starts)
    hi = np.maximum.reduceat(ys, starts)
    ends = np.r_[starts[1:], len(ys)] - 1
    return col[starts], lo, hi, ys[ends]
