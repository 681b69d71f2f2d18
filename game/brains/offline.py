"""The offline brain: no model, no network, deterministic for a seed.

It reads the same persona data a model would (knowledge, lines, goals) and answers in
the same directive language, so the village is alive and answerable out of the box.
Each answer depends only on (seed, NPC, turn, request), never on the order in which
requests arrive, so concurrent thinking gives the same run every time.
"""

from __future__ import annotations

import functools
import random
import re
import zlib
from typing import TYPE_CHECKING

from game.brains.answer import answer_player
from game.brains.base import BrainReply
from game.brains.prompts import relevant_knowledge
from game.story.clock import phase

if TYPE_CHECKING:
    from game.brains.base import ConversationRequest, DecisionRequest

FAREWELL_WORDS = frozenset({"bye", "goodbye", "farewell", "later", "leave", "go", "night"})
# Ways to take leave with no farewell word in them: "Take care." "See you soon."
FAREWELL_PHRASES = ("take care", "see you", "so long", "be off", "be going", "good day")
_WORDS = re.compile(r"[a-z']+")
# Said aloud at night, now and then, instead of the day's small talk.
BEDTIME_REMARKS = (
    "Getting late. Time I was abed.",
    "Quiet night. Just the frogs and the wind.",
    "Best get indoors before the damp sets in.",
    "Stars are out. Morning comes early.",
)
NIGHT_WALK = 0.15  # at night a villager sets off somewhere this often (by day, 0.55)


@functools.lru_cache(maxsize=8192)  # the same facts and lines come up turn after turn
def _plain_words(text: str) -> frozenset[str]:
    """Every word of ``text``, lower case, punctuation dropped: "Hello?" is "hello"."""
    return frozenset(_WORDS.findall(text.lower()))


def _about(fact: str, name: str) -> bool:
    """Whether ``fact`` names ``name``: not a thing to tell that person in the third person."""
    return name.lower() in _fact_words(fact)


@functools.lru_cache(maxsize=8192)
def _fact_words(fact: str) -> frozenset[str]:
    return _plain_words(fact.replace("'s", ""))


def _fresh(rng: random.Random, options: list[str], said: str) -> str:
    """One of ``options`` not yet said in this conversation (``said``: its lines, joined),
    if any is left."""
    unsaid = [line for line in options if line not in said]
    return rng.choice(unsaid or options)


def _not_about(lines: list[str], listeners: tuple[str, ...]) -> list[str]:
    """The lines that do not speak of a listener in the third person ("Bram says..." is
    not said to Bram); all of them if every one does."""
    kept = [line for line in lines if not any(_about(line, name) for name in listeners)]
    return kept or lines


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


_MASK64 = (1 << 64) - 1


class _SplitMix(random.Random):
    """``random.Random`` on the SplitMix64 generator: reseeding it is one assignment.

    The Mersenne Twister behind ``random.Random`` takes some 6 microseconds to seed, which
    the offline brain would pay for every answer. ``choice``, ``choices``, ``randint`` and
    the rest work unchanged on top of ``random`` and ``getrandbits``.
    """

    _state = 0

    def seed(self, a: object = None, version: int = 2) -> None:  # noqa: ARG002 - as Random
        self._state = (a if isinstance(a, int) else hash(a)) & _MASK64

    def getstate(self) -> tuple[int]:
        return (self._state,)

    def setstate(self, state: tuple[int]) -> None:  # type: ignore[override]
        (self._state,) = state

    def _next(self) -> int:
        self._state = z = (self._state + 0x9E3779B97F4A7C15) & _MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def getrandbits(self, k: int) -> int:
        if k <= 64:
            return self._next() >> (64 - k)
        return (self.getrandbits(k - 64) << 64) | self._next()

    def _randbelow(self, n: int) -> int:  # what choice, randint and shuffle draw with
        # Below 2**32 the modulo's bias is under one part in 2**32: nothing a game shows.
        return self._next() % n if n < 1 << 32 else super()._randbelow(n)  # type: ignore[misc]

    def random(self) -> float:
        return (self._next() >> 11) * (1.0 / (1 << 53))


class OfflineBrain:
    """Scripted villagers: stroll between places and towards people, chat, answer from knowledge."""

    label = "offline"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._random: random.Random = _SplitMix()

    def _rng(self, *parts: object) -> random.Random:
        """The generator for one answer, seeded from (seed, *parts).

        One generator is reseeded for each answer rather than a new one made (a thousand
        answers a turn in a big village): decide and converse never await while using it,
        so two answers cannot interleave.
        """
        key = ":".join(map(str, (self.seed, *parts)))
        self._random.seed(zlib.crc32(key.encode("utf-8")))
        return self._random

    async def decide(self, request: DecisionRequest) -> BrainReply:
        persona, p = request.persona, request.perception
        rng = self._rng("decide", persona.name, request.turn)
        talkable: list[str] = []  # nobody, while it rests after a conversation
        if not request.talk_rest:
            talkable = [n for n in p.adjacent if n not in request.unavailable and n != persona.name]
        villagers = [n for n in talkable if n != "Player"]
        roll = rng.random()
        if villagers and roll < 0.35:
            partner = rng.choice(sorted(villagers))
            opening = self._opening(request, partner, rng)
            return BrainReply(f"start_conversation_with({partner}, {_quote(opening)})")
        if "Player" in talkable and roll > 0.88 and request.turn > 3:
            line = rng.choice(persona.lines.greetings)
            return BrainReply(f"start_conversation_with(Player, {_quote(line)})")

        lines: list[str] = []
        roll = rng.random()
        night = request.clock is not None and phase(request.clock) == "night"
        if request.walking_to is not None and roll < 0.8:
            lines.append(f"move_to({request.walking_to[0]}, {request.walking_to[1]})")
        elif night:  # the village settles: fewer walks, and the odd word about bed
            lines.append(self._at_night(request, rng, roll))
        elif roll < 0.55:
            target = self._destination(request, rng)
            if target is not None:
                lines.append(f"move_to({target[0]}, {target[1]})")
        elif roll < 0.75 and p.seen:
            lines.append(f"say({_quote(rng.choice(persona.lines.small_talk))})")
        else:
            lines.append("wait()")
        if lines and lines[0].startswith("move_to") and rng.random() < 0.2:
            lines.append(f"say({_quote(rng.choice(persona.lines.small_talk))})")
        return BrainReply("\n".join(lines) or "wait()")

    def _at_night(self, request: DecisionRequest, rng: random.Random, roll: float) -> str:
        """A night turn's directive: mostly staying put."""
        if roll < NIGHT_WALK:
            target = self._destination(request, rng)
            if target is not None:
                return f"move_to({target[0]}, {target[1]})"
        elif roll < NIGHT_WALK + 0.15 and request.perception.seen:
            return f"say({_quote(rng.choice(BEDTIME_REMARKS))})"
        return "wait()"

    def _destination(self, request: DecisionRequest, rng: random.Random) -> tuple[int, int] | None:
        """A known place (often), or towards someone seen, or a short wander; on the map."""
        target = self._somewhere(request, rng)
        if target is None:
            return None
        (x, y), (width, height) = target, request.perception.map_size
        return (min(max(x, 0), width - 1), min(max(y, 0), height - 1))

    def _somewhere(self, request: DecisionRequest, rng: random.Random) -> tuple[int, int] | None:
        p = request.perception
        choice = rng.random()
        if choice < 0.55 and request.places:
            # Prefer places that are not where we stand; nearer ones a little more often.
            options = [pos for name, pos in request.places if name != p.here] or [
                pos for _, pos in request.places
            ]
            weights = [1.0 / (1 + i * 0.3) for i in range(len(options))]
            x, y = rng.choices(options, weights=weights)[0]
            return (x + rng.randint(-1, 1), y + rng.randint(-1, 1))
        others = [s for s in p.seen if not s.is_player and s.distance > 1]
        if choice < 0.8 and others:
            target = rng.choice(others)
            return (target.pos[0] + rng.choice((-1, 1)), target.pos[1])
        x = min(max(p.pos[0] + rng.randint(-4, 4), 0), p.map_size[0] - 1)
        y = min(max(p.pos[1] + rng.randint(-4, 4), 0), p.map_size[1] - 1)
        return (x, y) if (x, y) != p.pos else None

    def _opening(self, request: DecisionRequest, partner: str, rng: random.Random) -> str:
        """News for a neighbour: a fact about someone or something else (never about the
        one listening, in the third person), else a word about the weather and the like.
        The greetings in a villager's file are for a visitor, the player, not a neighbour."""
        persona = request.persona
        facts = [f for f in persona.knowledge if not _about(f, partner)]
        if facts and rng.random() < 0.7:
            return f"{partner}, did you know? {rng.choice(facts)}"
        return f"{partner}! {rng.choice(_not_about(persona.lines.small_talk, (partner,)))}"

    async def converse(self, request: ConversationRequest) -> BrainReply:
        persona = request.persona
        rng = self._rng("converse", persona.name, request.turn, len(request.history))
        # Its lines so far, joined: a fact told inside an opening ("Bram, did you know? ...")
        # counts as said, so it is not told again.
        said = "\n".join(line for _, line in request.history)
        if request.with_player:  # what kind of question, answered from its file
            return BrainReply(f"say({_quote(answer_player(request, rng, said))})")
        last = request.history[-1][1] if request.history else ""
        last_words = _plain_words(last)
        leaving = bool(last_words & FAREWELL_WORDS) or any(
            phrase in last.lower() for phrase in FAREWELL_PHRASES
        )

        # Between villagers: trade a fact or two, then part politely.
        parting = len(request.history) >= 2 and leaving
        tired = len(request.history) >= 3 and rng.random() < 0.3
        if request.messages_left <= 1 or parting or tired:
            return BrainReply("end_conversation()")
        facts = [
            f
            for f in relevant_knowledge(persona, last, 4)
            if f not in said and not any(_about(f, other) for other in request.others)
        ]
        if facts:
            return BrainReply(f"say({_quote(facts[0])})")
        if len(request.history) >= 2:
            return BrainReply(f"say({_quote(_fresh(rng, persona.lines.farewells, said))})")
        talk = _not_about(persona.lines.small_talk, request.others)
        return BrainReply(f"say({_quote(_fresh(rng, talk, said))})")

    async def aclose(self) -> None:
        return None
