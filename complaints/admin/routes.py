"""Views of the `admin` blueprint."""

from __future__ import annotations

from complaints.admin import blueprint

__all__ = ["blueprint"]
