"""Speech bubbles over the speakers' heads.

Each bubble's box is rendered once, when its line is said: a white rounded box with a dark
outline and the word-wrapped text. Where it goes beside its speaker is worked out when
someone speaks or moves, and its tail drawn from there to the speaker's head (again only
when that shape changes). ``update`` ages the bubbles and, once one starts to fade, sets
the alpha of a cached per-pixel-alpha copy of it; ``draw`` only blits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import pygame

from game.text import TextMeasurer, cut_to_width, for_screen
from game.ui.actors import Anchors

PAD = 6  # between the outline and the text
BORDER = 2  # outline thickness
RADIUS = 7
TAIL_H = 8  # how far the tail reaches below the box
TAIL_HALF = 6  # half the width of the tail where it meets the box
MAX_LINES = 6
MAX_CHARS = 2000  # nobody reads more than this in a bubble; spares wrapping 10 KB replies
EDGE = 8  # kept between a bubble and the edge of the view
CLEAR = 10  # from the anchor to a box put beside it: past the body of someone above
HEAD_SIDE = 7  # from the anchor (the top middle of a head) to the side of the head

BG = (255, 255, 255)
OUTLINE = (52, 38, 32)
TEXT = (40, 30, 26)
KEY = (255, 0, 255)  # colour key: the transparent corners and the sides of the tail

def _break_word(font: TextMeasurer, word: str, max_width: int) -> list[str]:
    """Split one word that is too wide into pieces that each fit (at least one char each)."""
    pieces: list[str] = []
    start = 0
    while start < len(word):
        lo, hi = start + 1, len(word)  # find the longest prefix word[start:end] that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if font.size(word[start:mid])[0] <= max_width:
                lo = mid
            else:
                hi = mid - 1
        pieces.append(word[start:lo])
        start = lo
    return pieces


def wrap_text(
    font: TextMeasurer, text: str, max_width: int, max_lines: int | None = None
) -> list[str]:
    """Greedy word wrap: every returned line is at most ``max_width`` px wide in ``font``.

    Words wider than the limit are broken between characters. Whitespace separates words
    (newlines included). With ``max_lines`` it stops early once it has ``max_lines + 1``
    lines, so callers can tell that the text was cut short.
    """
    max_width = max(1, int(max_width))
    lines: list[str] = []
    line = ""
    for word in text.split():
        if max_lines is not None and len(lines) > max_lines:
            break
        if line:
            joined = line + " " + word
            if font.size(joined)[0] <= max_width:
                line = joined
                continue
            lines.append(line)
        if font.size(word)[0] <= max_width:
            line = word
        else:
            *full, line = _break_word(font, word, max_width)
            lines.extend(full)
    if line:
        lines.append(line)
    if max_lines is not None:
        return lines[: max_lines + 1]
    return lines


def render_box(font: pygame.font.Font, lines: list[str]) -> pygame.Surface:
    """The rounded box with the text, no tail (colour-keyed: its corners are ``KEY``)."""
    rendered = [font.render(line, True, TEXT, BG) for line in lines]
    line_h = font.get_linesize()
    text_w = max((s.get_width() for s in rendered), default=0)
    inset = PAD + BORDER
    box_w = max(text_w + 2 * inset, 2 * (TAIL_HALF + RADIUS) + 1)
    box_w += (box_w + 1) % 2  # odd width, so a centred tail tip sits on an exact pixel
    box_h = len(rendered) * line_h + 2 * inset
    surface = pygame.Surface((box_w, box_h))
    surface.fill(KEY)
    pygame.draw.rect(surface, OUTLINE, (0, 0, box_w, box_h), border_radius=RADIUS)
    inner = pygame.Rect(BORDER, BORDER, box_w - 2 * BORDER, box_h - 2 * BORDER)
    pygame.draw.rect(surface, BG, inner, border_radius=max(1, RADIUS - BORDER))
    x0 = inset + (box_w - 2 * inset - text_w) // 2
    for i, line_surface in enumerate(rendered):
        surface.blit(line_surface, (x0, inset + i * line_h))
    surface.set_colorkey(KEY)
    return surface


def with_tail(
    box: pygame.Surface, rect: pygame.Rect, tip: tuple[int, int]
) -> tuple[pygame.Surface, tuple[int, int]]:
    """``box`` (to stand at ``rect`` on screen) with a tail from its bottom edge (or its top
    edge, when ``tip`` is above it) to the pixel ``tip``: one surface and where it goes.

    The tail leaves the box as near under the tip as the rounded corners allow, so it
    slants only when the box has been pushed aside (at the edge of the view).
    """
    down = tip[1] >= rect.bottom
    edge = RADIUS + TAIL_HALF + 1
    base_x = min(max(tip[0], rect.left + edge), rect.right - 1 - edge)
    base_y = rect.bottom - BORDER if down else rect.top + BORDER - 1
    inner_y = base_y - 1 if down else base_y + 1
    inner_tip_y = tip[1] - 3 if down else tip[1] + 3
    outline = [(base_x - TAIL_HALF - 1, base_y), (base_x + TAIL_HALF + 1, base_y), tip]
    fill = [
        (base_x - TAIL_HALF + 1, inner_y),
        (base_x + TAIL_HALF - 1, inner_y),
        (tip[0] + (base_x - tip[0]) * 3 // max(abs(tip[1] - base_y), 3), inner_tip_y),
    ]
    whole = rect.unionall([pygame.Rect(x, y, 1, 1) for x, y in outline])
    surface = pygame.Surface(whole.size)
    surface.fill(KEY)
    surface.blit(box, (rect.x - whole.x, rect.y - whole.y))
    shift = [(x - whole.x, y - whole.y) for x, y in outline]
    pygame.draw.polygon(surface, OUTLINE, shift)
    pygame.draw.polygon(surface, BG, [(x - whole.x, y - whole.y) for x, y in fill])
    if pygame.display.get_surface() is not None:
        surface = surface.convert()
    surface.set_colorkey(KEY, pygame.RLEACCEL)  # run-length encoded: the fastest opaque blit
    return surface, whole.topleft


def fading_copy(surface: pygame.Surface) -> pygame.Surface:
    """A per-pixel-alpha copy of a bubble, to fade with ``set_alpha``.

    Changing the alpha of the colour-keyed, run-length-encoded original would re-encode it
    on every blit (and colour key plus alpha blits slowly); this copy blends quickly.
    """
    copy = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
    copy.blit(surface, (0, 0))
    return copy.convert_alpha() if pygame.display.get_surface() is not None else copy


@dataclass(frozen=True)
class BubbleInfo:
    """What tests may inspect about a live bubble."""

    text: str
    age: float
    alpha: int
    size: tuple[int, int]
    lines: tuple[str, ...] = ()


class _Spot(NamedTuple):
    """Where a bubble's box goes, and where its tail ends."""

    rect: pygame.Rect
    tip: tuple[int, int]


@dataclass
class _Bubble:
    text: str
    lines: tuple[str, ...]
    box: pygame.Surface  # the box and text, no tail
    surface: pygame.Surface  # the box with its tail as last placed: opaque, colour-keyed
    age: float = 0.0
    alpha: int = 255
    faded: pygame.Surface | None = None  # made when the fade starts
    side: str | None = None  # where it was put beside its speaker: kept while it can be
    shape: object = None  # (box size, tip from the box's corner) the surface was made for
    offset: tuple[int, int] = (0, 0)  # from the box's corner to the surface's
    rect: pygame.Rect | None = None  # where the box was last put
    hides: int = 0  # how many names it covered there (where there was no better place)

    def image(self) -> pygame.Surface:
        return self.faded if self.faded is not None else self.surface

    def place(self, rect: pygame.Rect, tip: tuple[int, int]) -> tuple[int, int]:
        """Give the tail its shape for the box at ``rect`` and the tip at ``tip``; where the
        surface goes. Made again only when the shape changes, not when the two move."""
        shape = (rect.size, tip[0] - rect.x, tip[1] - rect.y)
        if shape != self.shape:
            self.shape = shape
            self.surface, corner = with_tail(self.box, rect, tip)
            self.offset = (corner[0] - rect.x, corner[1] - rect.y)
            if self.faded is not None:  # mid-fade: the copy follows the new shape
                self.faded = fading_copy(self.surface)
                self.faded.set_alpha(self.alpha)
        return rect.x + self.offset[0], rect.y + self.offset[1]


class SpeechBubbles:
    """One bubble per speaker; opaque for ``duration`` seconds, then fading out over ``fade``."""

    def __init__(
        self,
        font: pygame.font.Font,
        *,
        max_text_width: int = 200,
        duration: float = 3.0,
        fade: float = 0.6,
        below: int = 58,
    ) -> None:
        """``below``: from a speaker's anchor (the top of its head) down to the tip of a tail
        pointing up at it, for a bubble shown under the speaker (no room above): past the
        sprite and its name, even a name put a line lower beside a neighbour's."""
        self.font = font
        self.max_text_width = max_text_width
        self.duration = duration
        self.fade = fade
        self.below = below
        self._bubbles: dict[str, _Bubble] = {}
        self._layout_key: object = None  # what the bubbles were last placed for
        self._layout_anchors: Mapping[str, tuple[int, int]] | None = None  # and among whom
        self._layout: list[tuple[int, int]] = []

    @property
    def text_width_limit(self) -> int:
        """The widest a line of bubble text may be, in pixels."""
        return self.max_text_width

    def say(self, speaker: str, text: str) -> None:
        """Show ``text`` over ``speaker``, replacing whatever they were saying."""
        shown = for_screen(text[: MAX_CHARS * 2])[:MAX_CHARS]
        if not shown:
            return
        lines = wrap_text(self.font, shown, self.max_text_width, MAX_LINES)
        if len(lines) > MAX_LINES:
            lines = lines[:MAX_LINES]
            lines[-1] = cut_to_width(lines[-1], self.max_text_width, self.font, more=True)
        self._bubbles.pop(speaker, None)  # re-insert so the newest bubble draws on top
        box = render_box(self.font, lines)
        bubble = _Bubble(shown, tuple(lines), box, box)
        w, h = box.get_size()
        bubble.place(pygame.Rect(0, 0, w, h), (w // 2, h + TAIL_H - 1))  # as it mostly sits
        self._bubbles[speaker] = bubble
        self._layout_key = None

    def update(self, dt: float) -> None:
        """Age every bubble, fade the old ones and drop the finished ones."""
        gone: list[str] = []
        duration = self.duration
        for speaker, bubble in self._bubbles.items():
            bubble.age += dt
            if bubble.age < duration:
                continue  # still fully opaque, as it was made
            alpha = self._alpha_at(bubble.age)
            if alpha <= 0:
                gone.append(speaker)
            elif alpha != bubble.alpha:
                bubble.alpha = alpha
                if bubble.faded is None:
                    bubble.faded = fading_copy(bubble.surface)
                bubble.faded.set_alpha(alpha)
        for speaker in gone:
            del self._bubbles[speaker]

    def _alpha_at(self, age: float) -> int:
        if age < self.duration:
            return 255
        if self.fade <= 0:
            return 0
        left = 1.0 - (age - self.duration) / self.fade
        return max(0, min(255, round(255 * left)))

    def draw(
        self,
        surface: pygame.Surface,
        anchors: Mapping[str, tuple[int, int]],
        view: pygame.Rect,
    ) -> None:
        """Blit each live bubble with its tail tip on its speaker's anchor, kept inside ``view``."""
        surface.blits(self.jobs(anchors, view), doreturn=False)

    def jobs(
        self, anchors: Mapping[str, tuple[int, int]], view: pygame.Rect
    ) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        """The blits that :meth:`draw` does, in order."""
        shown = [
            (speaker, anchors[speaker], bubble)
            for speaker, bubble in self._bubbles.items()
            if speaker in anchors
        ]
        # The layout depends only on who speaks where with which bubble (a bubble keeps the
        # place it was given while it can), and where the others and their names are (the
        # actors' layout gives the same anchors while nobody moves): when nobody has moved
        # or spoken since the last frame, reuse it.
        key = (tuple(view), tuple((s, a, id(b)) for s, a, b in shown))
        if key != self._layout_key or anchors is not self._layout_anchors:
            self._layout_key = key
            self._layout_anchors = anchors  # held, so that its id is not another's
            self._layout = self._place(shown, view, anchors)
        images = [bubble.image() for _, _, bubble in shown]
        return list(zip(images, self._layout, strict=True))

    def _place(
        self,
        shown: list[tuple[str, tuple[int, int], _Bubble]],
        view: pygame.Rect,
        anchors: Mapping[str, tuple[int, int]],
    ) -> list[tuple[int, int]]:
        """Each bubble over its speaker, its tail ending on the speaker's head.

        A new bubble takes, of the places it may go (:meth:`_spots`), the first that covers
        no bubble placed before it, the fewest names and then the fewest heads; for two
        neighbours whose bubbles meet, the earlier is moved aside to its own speaker's far
        side and the new one to the other. With nowhere better, the newer is drawn over the
        older, still pointing at its own speaker. A bubble then keeps its place beside its
        speaker, following them, while that covers no other bubble and no more names than
        when it was put there: bubbles do not hop about as people walk by, only out of the
        way of a name that comes under them.
        """
        chosen: list[_Spot] = []
        placed: list[_Bubble] = []
        wants: list[tuple[tuple[int, int], tuple[int, int]]] = []  # (anchor, size) of each
        if isinstance(anchors, Anchors):
            names, heads = anchors.labels, anchors.heads
        else:  # no names known; a head is about so big under its anchor
            names, heads = [], [pygame.Rect(x - 10, y, 20, 40) for x, y in anchors.values()]
        for _, anchor, bubble in shown:
            size = bubble.box.get_size()
            rects = [spot.rect for spot in chosen]
            if bubble.side is not None:
                kept = self._spots(anchor, size, view, only=bubble.side).get(bubble.side)
                if (
                    kept is not None
                    and kept.rect.collidelist(rects) < 0
                    and len(kept.rect.collidelistall(names)) <= bubble.hides
                ):
                    chosen.append(kept)
                    placed.append(bubble)
                    wants.append((anchor, size))
                    continue
            mine = self._spots(anchor, size, view)
            # Only the names and heads near this speaker can be under any of its places
            # (no place covers its own speaker's head: all may be in).
            area = next(iter(mine.values())).rect.unionall([spot.rect for spot in mine.values()])
            near_names = [names[i] for i in area.collidelistall(names)]
            near_heads = [heads[i] for i in area.collidelistall(heads)]
            costs = [
                (
                    spot.rect.collidelist(rects) >= 0,
                    len(spot.rect.collidelistall(near_names)),
                    len(spot.rect.collidelistall(near_heads)),
                    i,
                )
                for i, spot in enumerate(mine.values())
            ]
            covers, _, _, i = min(costs)
            side = list(mine)[i]
            if side.startswith("under") or covers:  # two neighbours may do better
                room = self._make_room(mine, chosen, wants, view)
                if room is None and covers:
                    best = [list(mine)[i] for *_, i in sorted(cost[1:] for cost in costs)]
                    room = self._step_aside(mine, best, chosen, wants, view, names)
                if room is not None:
                    hit, away, moved, side = room
                    chosen[hit] = moved
                    placed[hit].side = away
            bubble.side = side
            chosen.append(mine[side])
            placed.append(bubble)
            wants.append((anchor, size))
        corners = []
        for bubble, spot in zip(placed, chosen, strict=True):
            bubble.rect = spot.rect
            bubble.hides = len(spot.rect.collidelistall(names))
            corners.append(bubble.place(spot.rect, spot.tip))
        return corners

    def _spots(
        self,
        anchor: tuple[int, int],
        size: tuple[int, int],
        view: pygame.Rect,
        *,
        only: str | None = None,
    ) -> dict[str, _Spot]:
        """Where a bubble of ``size`` may go for a speaker at ``anchor``, by name, best
        first, each at least :data:`EDGE` pixels inside ``view``. Above ("centre", "left",
        "right": the box over, left of or right of the tail) only where it fits above;
        under it ("under", "under left", "under right") always; then above again but
        beside the speaker ("far left", "far right"), its tail slanting in: clear of
        someone standing right above, when under is no better. ``only``: just that one."""
        w, h = size
        inner = view.inflate(-2 * EDGE, -2 * EDGE)
        ax = min(max(anchor[0], view.left), view.right - 1)
        ay = min(max(anchor[1], view.top), view.bottom - 1)
        side = RADIUS + TAIL_HALF + BORDER + 1  # from the box's edge to a tail at its side
        head, under = (ax, ay), (ax, min(ay + self.below, view.bottom - 1))
        # Beside, the tail points at the side of the head, not its top: a steeper tail,
        # clear of the feet of whoever stands above.
        by_head = ay + HEAD_SIDE // 2
        head_left, head_right = (ax - HEAD_SIDE, by_head), (ax + HEAD_SIDE, by_head)
        places = (  # name, the box's left edge, the tail's tip, whether the box is above it
            ("centre", ax - w // 2, head, True),
            ("left", ax + side - w, head, True),
            ("right", ax - side, head, True),
            ("under", ax - w // 2, under, False),
            ("under left", ax + side - w, under, False),
            ("under right", ax - side, under, False),
            ("far left", ax - CLEAR - w, head_left, True),
            ("far right", ax + CLEAR, head_right, True),
        )
        spots: dict[str, _Spot] = {}
        for name, left, tip, above in places:
            if only is not None and name != only:
                continue
            if above:
                top = tip[1] - TAIL_H - h + 1
                rect = pygame.Rect(left, top, w, h).clamp(inner)
                if rect.top != top:
                    continue  # no room above
            else:
                rect = pygame.Rect(left, tip[1] + TAIL_H, w, h).clamp(inner)
            spots[name] = _Spot(rect, tip)
        return spots

    def _make_room(
        self,
        mine: dict[str, _Spot],
        chosen: list[_Spot],
        wants: list[tuple[tuple[int, int], tuple[int, int]]],
        view: pygame.Rect,
    ) -> tuple[int, str, _Spot, str] | None:
        """Two neighbours: the bubble in the way may move to its speaker's far side and
        this one go on the other, if that covers no other bubble. Which bubble, the side it
        moves to and its place there, and this one's side; None if that will not do."""
        centre = mine.get("centre")
        if centre is None:
            return None
        hit = centre.rect.collidelist([spot.rect for spot in chosen])
        if hit < 0:
            return None  # no bubble in the way: people are, and moving bubbles will not help
        if chosen[hit].tip[0] == centre.tip[0]:
            return None  # one above the other: no side to move to
        left_of_me = chosen[hit].tip[0] < centre.tip[0]
        away, toward = ("left", "right") if left_of_me else ("right", "left")
        moved, spot = self._spots(*wants[hit], view).get(away), mine.get(toward)
        if moved is None or spot is None or moved.rect.colliderect(spot.rect):
            return None
        others = [s.rect for i, s in enumerate(chosen) if i != hit]
        if moved.rect.collidelist(others) >= 0 or spot.rect.collidelist(others) >= 0:
            return None
        return hit, away, moved, toward

    def _step_aside(
        self,
        mine: dict[str, _Spot],
        best: list[str],
        chosen: list[_Spot],
        wants: list[tuple[tuple[int, int], tuple[int, int]]],
        view: pygame.Rect,
        names: list[pygame.Rect],
    ) -> tuple[int, str, _Spot, str] | None:
        """Every place of this bubble covers one placed before (say, a speaker in a corner,
        where only one place is left): the one bubble in the way of the first of this
        one's places (in the order ``best``) that meets only one may move to another of its
        own places that covers no bubble, the one covering the fewest names (a hidden name
        is better than two bubbles drawn over each other). Which bubble, the side it moves
        to and its place there, and this one's side; None if none may."""
        rects = [spot.rect for spot in chosen]
        theirs: dict[int, dict[str, _Spot]] = {}  # the places of each bubble in the way
        for side in best:
            spot = mine[side]
            hits = spot.rect.collidelistall(rects)
            if len(hits) != 1:
                continue
            hit = hits[0]
            if hit not in theirs:
                theirs[hit] = self._spots(*wants[hit], view)
            others = [spot.rect, *(r for i, r in enumerate(rects) if i != hit)]
            free = [
                (len(moved.rect.collidelistall(names)), i, away, moved)
                for i, (away, moved) in enumerate(theirs[hit].items())
                if moved.rect.collidelist(others) < 0
            ]
            if free:
                *_, away, moved = min(free)
                return hit, away, moved, side
        return None

    def live(self) -> dict[str, BubbleInfo]:
        """Speaker -> what their bubble currently shows (for tests)."""
        return {
            speaker: BubbleInfo(b.text, b.age, b.alpha, b.surface.get_size(), b.lines)
            for speaker, b in self._bubbles.items()
        }

    def boxes(self) -> dict[str, pygame.Rect]:
        """Speaker -> where the box of their bubble (not its tail) was last drawn (for
        tests)."""
        return {s: b.rect.copy() for s, b in self._bubbles.items() if b.rect is not None}

    def clear(self) -> None:
        """Remove every bubble at once."""
        self._bubbles.clear()
