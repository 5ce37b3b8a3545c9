"""Views of the `followup` blueprint."""

from __future__ import annotations

from complaints.followup import blueprint

__all__ = ["blueprint"]
