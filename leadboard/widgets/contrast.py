"""Readable text on any theme: a colour moved towards white or black until it reaches WCAG's 4.5:1.

Textual's themes do not promise that their text colours contrast with every background they are
drawn on (gruvbox's cursor is 2.4:1 with its own foreground; light themes' warning colours are
below 3:1 on their surface), so the board checks each colour it draws a card's words in against the
row's background and, only where it falls short, blends it towards white (light words on a dark
row) or black (dark words on a light row), or the other way when that end cannot reach the minimum.
A colour that is already readable is left as the theme made it.
"""

from __future__ import annotations

from textual.color import BLACK, WHITE, Color

__all__ = ["MINIMUM_CONTRAST", "contrast_ratio", "readable"]

#: WCAG 2's minimum for normal-size text (level AA).
MINIMUM_CONTRAST = 4.5
#: How far (0 to 1) each step of `readable` moves the colour towards white or black.
_STEP = 0.05


def _luminance(color: Color) -> float:
    """WCAG relative luminance of an opaque sRGB colour."""

    def linear(value: int) -> float:
        channel = value / 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(color.r) + 0.7152 * linear(color.g) + 0.0722 * linear(color.b)


def contrast_ratio(foreground: Color, background: Color) -> float:
    """WCAG contrast ratio (1 to 21) of two opaque colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable(foreground: Color, background: Color, minimum: float = MINIMUM_CONTRAST) -> Color:
    """`foreground` (blended onto the opaque `background` if translucent) as it is when it reaches
    `minimum` against `background`, else the nearest blend towards white or black that does.

    White or black always reach 4.58:1 on one of them, so for `minimum` up to that, an answer exists.
    """
    colour = background + foreground
    if contrast_ratio(colour, background) >= minimum:
        return colour
    # Towards the end on the colour's own side of the background (light words on a dark row get
    # lighter), so the row keeps its look; towards the other end only if that one cannot reach.
    own_side = WHITE if _luminance(colour) >= _luminance(background) else BLACK
    other_side = BLACK if own_side is WHITE else WHITE
    extreme = own_side if contrast_ratio(own_side, background) >= minimum else other_side
    steps = round(1 / _STEP)
    for step in range(1, steps + 1):
        candidate = colour.blend(extreme, step / steps)
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return extreme
