"""Which parts of the screen a frame has to paint again.

The screen keeps last frame's picture, and most of it is still right: the camera stands
still, most villagers stand still, most bubbles neither appear nor fade. Copying the whole
map view and blitting every sprite each frame costs more than everything else in a frame, so
:class:`Painter` compares what the frame shows with what the last one showed and returns the
rectangles that differ: each is repainted from scratch (map, then every sprite over it, in
order) while the rest of the screen is left alone.

The GUI (pygame-gui) is drawn in full every frame, as it cannot say what changed. The scene
under it is repainted every frame too, except under the opaque middle of a window, which the
window's own blit covers whatever lies beneath.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pygame

Job = tuple[pygame.Surface, tuple[int, int]]  # a blit: surface, screen position
_Key = tuple[pygame.Surface, tuple[int, int], int | None]

FULL_SHARE = 0.6  # repaint the whole view at once when the changes cover this much of it
MAX_INSET = 24  # how far into a window to look for its opaque middle (pixels)


def opaque_interior(image: pygame.Surface) -> pygame.Rect | None:
    """The largest centred rectangle of ``image`` (relative to it) whose pixels are all
    fully opaque, found by insetting the edges evenly; None if there is none within reach."""
    w, h = image.get_size()
    if w <= 2 * MAX_INSET or h <= 2 * MAX_INSET:
        return None
    if image.get_alpha() not in (None, 255):
        return None
    if not image.get_flags() & pygame.SRCALPHA:
        return None if image.get_colorkey() is not None else pygame.Rect(0, 0, w, h)
    mask = pygame.mask.from_surface(image, 254)  # set where alpha is 255
    for inset in range(MAX_INSET + 1):
        rect = pygame.Rect(inset, inset, w - 2 * inset, h - 2 * inset)
        full = pygame.Mask(rect.size, fill=True)
        if mask.overlap_area(full, rect.topleft) == rect.w * rect.h:
            return rect
    return None


def subtract(rect: pygame.Rect, hole: pygame.Rect) -> list[pygame.Rect]:
    """``rect`` minus ``hole``, as up to four rectangles."""
    cut = rect.clip(hole)
    if not cut.w or not cut.h:
        return [rect]
    out = []
    if cut.top > rect.top:
        out.append(pygame.Rect(rect.left, rect.top, rect.w, cut.top - rect.top))
    if cut.bottom < rect.bottom:
        out.append(pygame.Rect(rect.left, cut.bottom, rect.w, rect.bottom - cut.bottom))
    if cut.left > rect.left:
        out.append(pygame.Rect(rect.left, cut.top, cut.left - rect.left, cut.h))
    if cut.right < rect.right:
        out.append(pygame.Rect(cut.right, cut.top, rect.right - cut.right, cut.h))
    return out


def merge(rects: list[pygame.Rect]) -> list[pygame.Rect]:
    """Join overlapping rectangles where their union wastes no more than they overlap."""
    out: list[pygame.Rect] = []
    pending = list(rects)
    while pending:
        rect = pending.pop()
        for i in rect.collidelistall(out)[::-1]:
            other = out[i]
            union = rect.union(other)
            if union.w * union.h <= rect.w * rect.h + other.w * other.h:
                del out[i]
                pending.append(union)  # it may overlap others now
                break
        else:
            out.append(rect)
    return out


@dataclass
class _Layer:
    """One layer as the last frame showed it."""

    jobs: list[Job]
    rects: list[pygame.Rect]
    keys: list[_Key]


@dataclass
class _Shown:
    """What the last frame painted."""

    screen: pygame.Surface | None = None
    base: tuple[object, ...] | None = None
    layers: list[_Layer] = field(default_factory=list)
    always: list[pygame.Rect] = field(default_factory=list)


def _changes(old: _Layer, new: _Layer) -> list[pygame.Rect] | None:
    """Where ``new`` differs from ``old``; None if it cannot tell short of everything."""
    old_keys, keys = old.keys, new.keys
    dirty: list[pygame.Rect] = []
    if len(old_keys) == len(keys):
        if old_keys != keys:  # the same number of blits: compare them pairwise
            for i, (was, now) in enumerate(zip(old_keys, keys, strict=True)):
                if was != now:
                    dirty.append(old.rects[i])
                    dirty.append(new.rects[i])
        return dirty
    old_set, new_set = set(old_keys), set(keys)
    dirty.extend(r for k, r in zip(old_keys, old.rects, strict=True) if k not in new_set)
    dirty.extend(r for k, r in zip(keys, new.rects, strict=True) if k not in old_set)
    # The same blits in another order (one drawn over another now) would need those
    # overlaps repainting: rare enough to repaint everything.
    if [k for k in old_keys if k in new_set] != [k for k in keys if k in old_set]:
        return None
    return dirty


class Painter:
    """Works out each frame's repaint rectangles; remembers what the frame showed."""

    def __init__(self) -> None:
        self._shown = _Shown()
        self._interiors: dict[int, tuple[pygame.Surface, pygame.Rect | None]] = {}

    def invalidate(self) -> None:
        """Paint everything again next frame (something else drew on the screen)."""
        self._shown = _Shown()

    def window_interior(self, image: pygame.Surface, at: pygame.Rect) -> pygame.Rect | None:
        """The opaque middle of a window's ``image`` drawn at ``at``, in screen pixels."""
        cached = self._interiors.get(id(image))
        if cached is None or cached[0] is not image:
            cached = (image, opaque_interior(image))
            self._interiors = {id(image): cached}  # only the current windows matter
        inner = cached[1]
        return inner.move(at.topleft) if inner is not None else None

    def regions(
        self,
        screen: pygame.Surface,
        view: pygame.Rect,
        base: tuple[object, ...],
        layers: list[tuple[list[Job], list[pygame.Rect]]],
        always: list[pygame.Rect],
        covered: list[pygame.Rect],
    ) -> list[pygame.Rect]:
        """The parts of ``view`` to repaint this frame.

        ``base`` stands for the map under everything (the camera): when it changes, all of
        the view is repainted. ``layers`` are the blits over the map, in order, each with
        their screen rectangles; a layer given as the very list it was given as last frame
        is taken as unchanged (so a list once given must not change). ``always`` are
        rectangles repainted every frame (under the GUI, which is drawn over them
        afterwards); ``covered`` are rectangles drawn over opaquely afterwards, which need
        no repainting.
        """
        shown = self._shown
        full = shown.screen is not screen or shown.base != base or len(shown.layers) != len(layers)
        dirty: list[pygame.Rect] = []
        now: list[_Layer] = []
        for i, (jobs, rects) in enumerate(layers):
            old = shown.layers[i] if i < len(shown.layers) else None
            if old is not None and old.jobs is jobs:
                now.append(old)
                continue
            layer = _Layer(jobs, rects, [(s, p, s.get_alpha()) for s, p in jobs])
            now.append(layer)
            if not full and old is not None:
                changes = _changes(old, layer)
                if changes is None:
                    full = True
                else:
                    dirty.extend(changes)
        if not full:
            dirty.extend(always)
            if shown.always != always:
                dirty.extend(shown.always)
        self._shown = _Shown(screen, base, now, list(always))
        if full:
            dirty = [view]
        out: list[pygame.Rect] = []
        for rect in dirty:
            rect = rect.clip(view)
            if rect.w and rect.h:
                out.append(rect)
        for hole in covered:
            out = [piece for rect in out for piece in subtract(rect, hole)]
        out = merge(out)
        if sum(r.w * r.h for r in out) >= FULL_SHARE * view.w * view.h:
            out = [pygame.Rect(view)]
            for hole in covered:
                out = [piece for rect in out for piece in subtract(rect, hole)]
        return out
