"""Views of the `staff` blueprint."""

from __future__ import annotations

from complaints.staff import blueprint

__all__ = ["blueprint"]
