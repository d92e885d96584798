"""The facilitator's kit (``secure-base kit``): slides with speaker notes that run without a
network, a printable session plan, and prompt cards to cut up for group work.
"""

from __future__ import annotations

from .build import build_kit, cards_html, plan_html, slides_html

__all__ = ["build_kit", "cards_html", "plan_html", "slides_html"]
