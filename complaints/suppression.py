"""Small-cell suppression of a breakdown whose total is published exactly (DOMAIN D7).

A cell from 1 to ``threshold − 1`` could single out a person, so it is hidden. Hiding it alone is
not enough: the total minus the shown cells would give it back. So more cells are hidden until no
hidden cell is left with a single possible value — for an attacker who knows the total, every
shown cell and this very rule (tests/test_stats.py plays that attacker exhaustively).
"""

from __future__ import annotations


def suppress_cells(counts: dict[str, int], threshold: int) -> dict[str, bool]:
    """Which cells to hide: every count from 1 to ``threshold − 1``, then if need be every zero,
    then the smallest others one at a time, until no hidden cell can be pinned to one value by someone who
    knows the exact total, every shown cell and this rule (see :func:`_pinned`), or all are hidden."""
    hidden = {code: 0 < number < threshold for code, number in counts.items()}
    if not any(hidden.values()):
        return hidden
    if _pinned(counts, hidden, threshold):
        # Every zero at once: picking one zero rather than another would tell which cell is small.
        hidden.update({code: True for code, number in counts.items() if number == 0})
    while _pinned(counts, hidden, threshold) and not all(hidden.values()):
        smallest = min((number, code) for code, number in counts.items() if not hidden[code])
        hidden[smallest[1]] = True
    return hidden


def _pinned(counts: dict[str, int], hidden: dict[str, bool], threshold: int) -> bool:
    """Whether some hidden cell has only one value left, for someone who even knows which hidden
    cells are small (0 … threshold − 1: a hidden zero looks small) and which were hidden for company
    (threshold … the smallest shown cell), and that the hidden cells sum to the total minus the
    shown ones."""
    shown = [number for code, number in counts.items() if not hidden[code]]
    remainder = sum(number for code, number in counts.items() if hidden[code])
    ceiling = min(shown, default=remainder)
    # Zeros are hidden only all together, so while one is shown every hidden small cell is ≥ 1.
    floor = 0 if any(hidden[code] for code, number in counts.items() if number == 0) else 1
    bounds = [
        (floor, threshold - 1) if counts[code] < threshold else (threshold, ceiling)
        for code in counts
        if hidden[code]
    ]
    if len(bounds) < 2:
        return True
    low_sum, high_sum = sum(low for low, _ in bounds), sum(high for _, high in bounds)
    for low, high in bounds:
        least = max(low, remainder - (high_sum - high))
        most = min(high, remainder - (low_sum - low))
        if least >= most:
            return True
    return False
