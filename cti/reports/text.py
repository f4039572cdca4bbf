"""Figures as people read them on a terminal (kept import-free: the live commands use it)."""

from __future__ import annotations


def duration(seconds: float) -> str:
    """``42s``, ``4:05``, ``3:02:10``."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
