"""How an offline villager answers the player: from its own file, in its own voice.

The player's line is read (:mod:`game.brains.understand`) as a kind of question and a
topic, and each kind is answered from the part of the villager's file that holds it: who
it is from its description, what it wants from its goals, the rest from its knowledge
and from the places and people it knows of. When it knows nothing of the topic it says
so, put a few different ways, often with a word of its own small talk after.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from game.brains.base import GIFT_LINE
from game.brains.prompts import words
from game.brains.understand import FRAME, Question, classify, stem, tokens, word_stem
from game.text import one_line

if TYPE_CHECKING:
    import random

    from game.brains.base import ConversationRequest
    from game.content.models import NpcSpec
    from game.world import Pos

# A goal or a line of the description with one of these is kept to itself: "keep his
# night work a secret", "find the nerve to ask Odile", "quietly sweet on Odile".
SECRET = re.compile(
    r"\b(secret\w*|nerve|sweet on|in love|quietly|hide|hidden|nobody knows|no one knows"
    r"|privately|crush)\b",
    re.IGNORECASE,
)
# Words that show a fact is about having or seeing something ("I keep...", "I saw...").
HAVING = frozenset(
    stem(w) for w in "have has keep sell serve own make grow hide promise stock brew my".split()
)
SEEING = frozenset(stem(w) for w in "see saw seen find found notice watch spot show".split())
# Words of a place's name too broad to find it by ("the old bridge" is not any old thing).
BROAD_PLACE_WORDS = frozenset(
    stem(w) for w in "old new village eastern western northern southern great little big".split()
)

DONT_KNOW = (
    "I couldn't tell you about that.",
    "I don't know anything about that.",
    "Can't say I know much about that.",
    "You've got me there. I don't know.",
    "No idea, I'm afraid.",
    "That's not something I know about.",
)
DONT_KNOW_WHERE = (
    "I don't know where that is.",
    "Can't say I know where that is.",
    "No idea where that is, sorry.",
    "I couldn't tell you where that is.",
)
HAVE_NONE = (
    "No, I haven't got that.",
    "Not here, I'm afraid.",
    "No, nothing like that, sorry.",
    "I've none of that, I'm afraid.",
)
NOT_SEEN = (
    "No, I haven't seen that.",
    "Not that I've noticed.",
    "Can't say I have.",
    "No, I haven't, sorry.",
)
NOT_SEEN_PERSON = (
    "I haven't seen {name} about.",
    "{name}? Not lately, no.",
    "No, I haven't seen {name} today.",
)
TOLD_ALL = (
    "That's all I know about that.",
    "I've told you all I know about that.",
    "That's everything I know, I'm afraid.",
)
WELCOME = ("You're welcome.", "Don't mention it.", "Any time.", "Think nothing of it.")
HOW_I_AM = ("Well enough.", "Can't complain.", "Oh, getting by.", "Busy, as ever.")
WANTS = ("I want to {goal}", "Most of all, I'd like to {goal}", "What I want is to {goal}")
NOTHING_MORE_WANTED = ("That's all I'm after, really.", "Nothing else I'd tell a stranger.")
ALL_ABOUT_ME = ("That's me, really.", "Not much more to tell.", "That's about all there is to me.")


def answer_player(request: ConversationRequest, rng: random.Random, said: str) -> str:
    """The villager's answer to the player's last line (``said``: the talk's lines, joined)."""
    persona = request.persona
    last = request.history[-1][1] if request.history else ""
    gift = GIFT_LINE.match(last)
    if gift is not None:  # handed something: thanks, and what it knows of such a thing
        thanks = rng.choice(THANKS_FOR).format(item=gift["item"])
        about = [
            fact
            for fact in _facts_on(persona, gift["item"])
            if fact not in said
        ]
        return f"{thanks} {about[0]}" if about else thanks
    question = classify(last, _vocabulary(request), persona.name)
    return _Answer(request, rng, said, question).reply()


THANKS_FOR = (
    "For me? Thank you for the {item}!",
    "Oh, the {item}! That's kind of you.",
    "A {item}? I'll put it to good use, thank you.",
)


def _facts_on(persona: NpcSpec, item: str) -> list[str]:
    """Its facts that speak of ``item`` (by a word of its name, stemmed)."""
    wanted = {word_stem(w) for w in words(item) if len(w) > 2}
    return [f for f in persona.knowledge if wanted & {word_stem(w) for w in words(f)}]


class _Answer:
    """One answer in the making: the request, its generator, what was said, the question."""

    def __init__(
        self, request: ConversationRequest, rng: random.Random, said: str, question: Question
    ) -> None:
        self.request, self.rng, self.said, self.q = request, rng, said, question
        self.persona = request.persona

    def reply(self) -> str:
        kind = self.q.kind
        lines = self.persona.lines
        if kind == "farewell":
            return self.fresh(lines.farewells)
        if kind == "greeting" or not self.request.history:
            return self.fresh(lines.greetings) if self.unsaid(lines.greetings) else self.chat()
        if kind == "thanks":
            return self.with_chat(WELCOME)
        if kind == "howareyou":
            return self.with_chat(HOW_I_AM, chance=1.0)
        handler = {
            "identity": self.identity,
            "want": self.want,
            "where": self.where,
            "have": self.have,
            "seen": self.seen,
            "know": self.know,
        }.get(kind, self.remark)
        return handler()

    # ---- pieces ------------------------------------------------------------------------

    def unsaid(self, options: list[str] | tuple[str, ...]) -> list[str]:
        return [line for line in options if line not in self.said]

    def fresh(self, options: list[str] | tuple[str, ...]) -> str:
        """One of ``options`` not yet said in this conversation; when all have been, one
        with a word of small talk after it that has not been said either."""
        unsaid = self.unsaid(options)
        if unsaid:
            return self.rng.choice(unsaid)
        talk = self.persona.lines.small_talk
        pairs = [f"{line} {chat}" for line in options for chat in self.unsaid(talk) or talk]
        return self.rng.choice([p for p in pairs if p not in self.said] or pairs)

    def chat(self) -> str:
        return self.fresh(self.persona.lines.small_talk)

    def with_chat(self, options: list[str] | tuple[str, ...], chance: float = 0.5) -> str:
        """One of ``options``, and some of the time a word of the villager's own small
        talk after it: not one canned line."""
        line = self.fresh(options)
        talk = self.unsaid(self.persona.lines.small_talk)
        if line in options and talk and self.rng.random() < chance:
            return f"{line} {self.rng.choice(talk)}"
        return line

    def shrug(self, options: tuple[str, ...]) -> str:
        """An honest "I don't know", naming what was asked about when it is short."""
        echo = _echo(self.q)
        return self.with_chat([f"{echo}? {line}" for line in options] if echo else options)

    def facts(self, prefer: frozenset[str] = frozenset()) -> tuple[list[str], bool]:
        """Unsaid facts about the topic, best first, and whether any (said or not) were found.

        A fact scores by the topic's words it has (a synonym counts, and a broad word such
        as "food" once however many foods); ties go to one with the very words asked
        ("bread" before "baking"), then to one with ``prefer`` words (having, seeing),
        then to file order.
        """
        senses = set(self.q.senses)
        if not senses:
            return [], False
        asked = frozenset(word_stem(w) for w in self.q.topic)
        scored = []
        for index, fact in enumerate(self.persona.knowledge):
            has = words(fact)
            hits = sum(1 for sense in senses if sense & has)
            if hits:
                exact = len(_word_stems(fact) & asked)
                scored.append((-hits, -exact, -len(_stems(fact) & prefer), index, fact))
        found = [fact for *_, fact in sorted(scored)]
        return [fact for fact in found if fact not in self.said], bool(found)

    def from_facts(self, prefer: frozenset[str], otherwise: tuple[str, ...]) -> str:
        facts, found = self.facts(prefer)
        if facts:
            return facts[0]
        return self.shrug(TOLD_ALL if found else otherwise)

    # ---- the kinds of question ------------------------------------------------------------

    def identity(self) -> str:
        options = self.unsaid(_introductions(self.persona))  # its name and trade first
        return options[0] if options else self.with_chat(ALL_ABOUT_ME)

    def want(self) -> str:
        goals = _shareable_goals(self.persona)
        concepts = self.q.concepts
        if concepts:  # "what do you need for the festival?": a goal about it first
            goals.sort(key=lambda goal: -len(words(goal) & concepts))
        for goal in goals:
            if goal not in self.said:
                return self.rng.choice(WANTS).format(goal=goal)
        return self.with_chat(NOTHING_MORE_WANTED)

    def where(self) -> str:
        p = self.request.perception
        if not self.q.topic:  # "where am I?", "where is this?"
            if p.here:
                return self.fresh([f"You're at {p.here}.", f"This is {p.here}."])
            if p.near:
                return self.fresh([f"You're near {p.near}.", f"Not far from {p.near}, this."])
            return self.shrug(DONT_KNOW_WHERE)
        place = self.place()
        if place is not None:
            return self.fresh(self.directions(*place))
        person = self.person_seen()
        if person is not None:
            return self.fresh(self.person_directions(*person))
        facts, found = self.facts(self.place_words())
        if facts:
            return facts[0]
        if found:
            return self.shrug(TOLD_ALL)
        name = self.person_named()
        if name:
            return self.with_chat([s.format(name=name) for s in NOT_SEEN_PERSON])
        return self.shrug(DONT_KNOW_WHERE)

    def have(self) -> str:
        if not self.q.topic:  # "what do you sell?": what it has
            facts = [f for f in self.persona.knowledge if _stems(f) & HAVING and f not in self.said]
            return facts[0] if facts else self.shrug(HAVE_NONE)
        return self.from_facts(HAVING, HAVE_NONE)

    def seen(self) -> str:
        person = self.person_seen()
        if person is not None:
            return self.fresh(self.person_directions(*person))
        if not self.q.topic:  # "seen anything odd?": something it saw
            facts = [f for f in self.persona.knowledge if _stems(f) & SEEING and f not in self.said]
            return facts[0] if facts else self.shrug(NOT_SEEN)
        facts, found = self.facts(SEEING)
        if facts:
            return facts[0]
        name = self.person_named()
        if name and not found:
            return self.with_chat([s.format(name=name) for s in NOT_SEEN_PERSON])
        return self.shrug(TOLD_ALL if found else NOT_SEEN)

    def know(self) -> str:
        if not self.q.topic:  # "any news?": whatever it knows that it has not said
            news = self.unsaid(self.persona.knowledge)
            return self.rng.choice(news) if news else self.shrug(TOLD_ALL)
        facts, found = self.facts()
        if facts:
            return facts[0]
        place = self.place()
        if place is not None and not found:  # "is there an inn?"
            return self.fresh(self.directions(*place))
        return self.shrug(TOLD_ALL if found else DONT_KNOW)

    def remark(self) -> str:
        """Not a question: a fact it brings to mind, else a word of small talk."""
        facts, _ = self.facts()
        return facts[0] if facts else self.chat()

    # ---- places and people --------------------------------------------------------------

    def places(self) -> list[tuple[str, Pos]]:
        """The landmarks it knows of, nearest first: those the request carries, and any more
        in sight."""
        known = dict(self.request.places)
        for name, spot in self.request.perception.landmarks:
            known.setdefault(name, spot)
        return list(known.items())

    def place(self) -> tuple[str, Pos] | None:
        """The landmark the topic names ("the blacksmith" is the smithy), nearest first."""
        concepts, best, best_hits = self.q.concepts, None, 0
        for name, spot in self.places():
            hits = len((_place_words(name) - BROAD_PLACE_WORDS) & concepts)
            hits += len(_place_words(name) & concepts) if hits else 0
            if hits > best_hits:
                best, best_hits = (name, spot), hits
        return best

    def place_words(self) -> frozenset[str]:
        return frozenset().union(*(_place_words(name) for name, _ in self.places()))

    def person_seen(self) -> tuple[str, Pos, str] | None:
        topic = set(self.q.topic)
        for seen in self.request.perception.seen:
            if not seen.is_player and seen.name.lower() in topic:
                return seen.name, seen.pos, seen.activity
        return None

    def person_named(self) -> str | None:
        """A villager the topic names, as the villager's own file spells the name."""
        topic = set(self.q.topic)
        for name in _names(self.persona):
            if name.lower() in topic:
                return name
        return None

    def directions(self, name: str, spot: Pos) -> list[str]:
        p = self.request.perception
        title = name[:1].upper() + name[1:]
        if p.here == name:
            return [f"You're standing in {name}!", f"This is {name}, right here."]
        way, far = _bearing(p.pos, spot), _distance(p.pos, spot)
        by = self.landmark_by(name, spot)
        by_it = f", by {by}" if by else ""
        if far <= 3:
            return [f"{title}? Just there, to the {way}.", f"{title} is right there, {way} of us."]
        if far <= 12:
            return [
                f"{title} is a short walk {way} of here{by_it}.",
                f"{title}? Go {way}, not far{by_it}.",
            ]
        return [
            f"{title}? That's a fair walk {way} of here{by_it}.",
            f"Head {way} for {name}, a good way off{by_it}.",
        ]

    def landmark_by(self, name: str, spot: Pos) -> str | None:
        """Another landmark near ``spot``, to find it by: not the one the speaker is in."""
        here = self.request.perception.here
        near = [
            (_distance(spot, at), other)
            for other, at in self.places()
            if other not in (name, here) and _distance(spot, at) <= 8
        ]
        return min(near)[1] if near else None

    def person_directions(self, name: str, pos: Pos, activity: str) -> list[str]:
        p = self.request.perception
        way, far = _bearing(p.pos, pos), _distance(p.pos, pos)
        doing = "" if activity in ("standing about", "waiting") else f", {activity}"
        if far <= 1:
            return [f"{name}? Right beside us!", f"That's {name}, just here."]
        if far <= 3:
            return [f"{name}'s just there, to the {way}{doing}.", f"Aye, {name}'s {way} of us."]
        return [f"{name}'s a little way {way} of here{doing}.", f"I saw {name} off to the {way}."]


# ---- the villager's file, in the first person -----------------------------------------------


def _vocabulary(request: ConversationRequest) -> frozenset[str]:
    """The words the villager knows: its file's, the places', the people's in sight."""
    persona = request.persona
    places = tuple(name for name, _ in request.places)
    seen = tuple(s.name for s in request.perception.seen)
    return _words_of((persona.description, *persona.knowledge, *persona.goals, *places, *seen))


@functools.lru_cache(maxsize=256)
def _words_of(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for text in texts for w in tokens(text))


@functools.lru_cache(maxsize=4096)
def _stems(text: str) -> frozenset[str]:
    """Every word's stem, function words too ("I have lost the key": have, lose, key...)."""
    return frozenset(stem(w) for w in tokens(text))


@functools.lru_cache(maxsize=4096)
def _word_stems(text: str) -> frozenset[str]:
    return frozenset(word_stem(w) for w in tokens(text))


@functools.lru_cache(maxsize=1024)
def _place_words(name: str) -> frozenset[str]:
    return frozenset(stem(w) for w in tokens(name) if w not in FRAME)


def _names(persona: NpcSpec) -> list[str]:
    """People its knowledge names, as its file spells them."""
    return sorted(set().union(*(_people(fact) for fact in persona.knowledge)))


def _echo(question: Question) -> str:
    """What was asked about, as said back ("my key" -> "Your key"), when it is short."""
    said = list(question.words)
    topic = [i for i, w in enumerate(said) if w in question.topic]
    if not topic or topic[-1] - topic[0] > 3:
        return ""
    start = topic[0]
    if start and said[start - 1] in ("the", "a", "an", "my", "your", "some", "any"):
        start -= 1
    flip = {"my": "your", "your": "my", "any": "", "some": ""}
    echo = " ".join(flip.get(w, w) for w in said[start : topic[-1] + 1]).strip()
    return echo[:1].upper() + echo[1:]


def _pronoun(persona: NpcSpec) -> str | None:
    """Whether the description speaks of the villager as "he" or "she" (None: neither)."""
    said = re.findall(r"\b(he|him|his|she|her|hers)\b", persona.description, re.IGNORECASE)
    found = [w.lower() for w in said]
    he = sum(w in ("he", "him", "his") for w in found)
    she = len(found) - he
    return "he" if he > she else "she" if she > he else None


_THIRD_TO_FIRST = {"is": "am", "has": "have", "does": "do", "goes": "go", "was": "was"}
# After "her" these show it is the object ("owes her for", "ask her to"), not "her cottage".
_AFTER_OBJECT = frozenset(
    "to for at in on with and or that the a an about from by back again up out off".split()
)


def _verb(verb: str) -> str:
    """The first-person form of a third-person verb: "runs" -> "run", "is" -> "am"."""
    lower = verb.lower()
    if lower in _THIRD_TO_FIRST:
        return _THIRD_TO_FIRST[lower]
    if lower.endswith("ies") and len(lower) > 4:
        return verb[:-3] + "y"
    if lower.endswith(("ches", "shes", "sses", "xes", "oes")):
        return verb[:-2]
    if lower.endswith("s") and not lower.endswith("ss"):
        return verb[:-1]
    return verb  # "can", "will", "kept": the same for I


def first_person(text: str, pronoun: str | None) -> str:
    """``text`` about the villager (as ``pronoun``) put in its own mouth.

    "if he can get oak planks" -> "if I can get oak planks"; "his treasure box" -> "my
    treasure box"; "the inn owes her for" -> "the inn owes me for". Only the villager's
    own pronoun is changed: "her doorstep" in a goal of Tobin's is still Wren's.
    """
    if pronoun is None:
        return text

    def subject(match: re.Match[str]) -> str:
        verb = _verb(match.group(1))
        return "I'm" if verb == "am" else f"I {verb}"

    initial = f"[{pronoun[0]}{pronoun[0].upper()}]{pronoun[1:]}"
    text = re.sub(rf"\b{initial} (\w+)", subject, text)
    mine = _MINE_HE if pronoun == "he" else _MINE_SHE
    text = re.sub(
        rf"\b({'|'.join(mine)})\b",
        lambda m: _same_case(m.group(1), mine[m.group(1).lower()]),
        text,
        flags=re.IGNORECASE,
    )
    if pronoun == "she":  # "her" is hers ("her herb garden") or her ("owes her for")
        text = re.sub(r"\b([Hh]er)\b(\W*)(\w*)", _her, text)
    return text


_MINE_HE = {"his": "my", "him": "me", "himself": "myself"}
_MINE_SHE = {"hers": "mine", "herself": "myself"}


def _her(match: re.Match[str]) -> str:
    word, gap, following = match.groups()
    is_object = not following or gap.strip() or following.lower() in _AFTER_OBJECT
    return _same_case(word, "me" if is_object else "my") + gap + following


def _same_case(model: str, word: str) -> str:
    return word.title() if model[:1].isupper() else word


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", one_line(text)) if s]


# A third-person verb after "and" or a comma, known by the article or pronoun after it:
# "and keeps an eye", ", bakes the bread" (not "and frogs in the pond").
_AND_VERB = re.compile(r"((?:,|\band) )(\w+s) (a|an|the|his|her|their|its|some|every)\b")


def _introductions(persona: NpcSpec) -> list[str]:
    """Who the villager is, in its own words: its description's first sentence turned
    about ("Bram is the blacksmith, ..." -> "I'm Bram, the blacksmith, ..."), any later
    one that turns about cleanly, and the fact nearest that first sentence (its trade)."""
    name, pronoun = persona.name, _pronoun(persona)
    sentences = _sentences(persona.description)
    options: list[str] = []
    first = re.split(r"[;:]", sentences[0])[0].strip().rstrip(".!?,") if sentences else ""
    if first.startswith(f"{name} is "):
        rest = first[len(name) + 4 :]
        if re.match(r"(the|a|an|[A-Z])", rest):  # "the blacksmith", "Willowmere's baker"
            options.append(first_person(f"I'm {name}, {rest}.", pronoun))
        else:
            options.append(first_person(f"I'm {name}. I'm {rest}.", pronoun))
    elif first.startswith(f"{name} ") and " " in first[len(name) + 1 :]:
        verb, rest = first[len(name) + 1 :].split(" ", 1)
        # "lives in Testwick and keeps an eye on the pond": the second verb turns too.
        rest = _AND_VERB.sub(lambda m: f"{m[1]}{_verb(m[2])} {m[3]}", rest)
        options.append(first_person(f"I'm {name}. I {_verb(verb)} {rest}.", pronoun))
    else:
        options.append(f"I'm {name}.")
    for sentence in sentences[1:]:
        if SECRET.search(sentence) or name in sentence or _ambiguous(sentence, pronoun):
            continue
        turned = first_person(sentence, pronoun)
        # "She pours the cider, cooks the stew": only the first verb would be turned about.
        if turned.startswith(("I ", "I'm ")) and not re.search(r"(,|\band) \w+s\b", turned):
            options.append(turned)
    trade = words(first) - BROAD_PLACE_WORDS - words(name)
    best = max(persona.knowledge, key=lambda fact: len(words(fact) & trade))
    if words(best) & trade:
        options.append(best)
    return options


def _shareable_goals(persona: NpcSpec) -> list[str]:
    """Its goals but those it would keep to itself, each put as "find the lost key...".

    The old brain read out no goal, as goals may be secrets; a villager does tell a
    stranger what it is after, only not what its file marks as secret, shy or hidden.
    A goal whose "he" or "she" might be someone else's is left out too, not guessed at.
    """
    pronoun = _pronoun(persona)
    goals = []
    for goal in persona.goals:
        text = one_line(goal).rstrip(".;!") + "."
        if SECRET.search(text) or _ambiguous(text, pronoun):
            continue
        if pronoun is None and _THIRD_PERSON.search(text):
            continue  # "if they can": whose, the file does not say

        text = first_person(text, pronoun)
        if text.split(" ", 1)[0] not in _people(text):  # "Find the key" -> "find the key"
            text = text[:1].lower() + text[1:]
        goals.append(text)
    return goals


_PRONOUNS = {"he": r"\b(he|him|his|himself)\b", "she": r"\b(she|her|hers|herself)\b"}
_THIRD_PERSON = re.compile(r"\b(he|him|his|she|her|hers|they|them|their)\b", re.IGNORECASE)


def _people(text: str) -> set[str]:
    """Words in ``text`` that look like a person's name: capitalised, standing alone (not
    "the Lantern Festival"), and not where any word starts a sentence."""
    found = set()
    for match in re.finditer(r"(?<=[a-z,;:] )([A-Z][a-z']+)\b(?! [A-Z])", text):
        before = text[: match.start()].rstrip()
        after_name = re.search(r"(?<=[a-z,;:] )[A-Z]\w*$", before)  # "Lantern Festival"
        if not before.endswith((" the", " a")) and not after_name:
            found.add(match.group(1).removesuffix("'s"))
    return found


def _ambiguous(text: str, pronoun: str | None) -> bool:
    """Whether a "he"/"she" of the villager's in ``text`` comes after someone else is named:
    in "teach the stories to Pip before she forgets", "she" might be either."""
    if pronoun is None:
        return False
    people = _people(text)
    names = [m.start() for name in people for m in re.finditer(rf"\b{re.escape(name)}\b", text)]
    if not names:
        return False
    return any(m.start() > min(names) for m in re.finditer(_PRONOUNS[pronoun], text, re.I))


def _bearing(origin: Pos, target: Pos) -> str:
    """The way from ``origin`` to ``target``: north, south-west... (y grows southwards)."""
    dx, dy = target[0] - origin[0], target[1] - origin[1]
    parts = []  # eight sectors of 45 degrees: tan(22.5 degrees) is about 0.41
    if abs(dy) > 0.41 * abs(dx):
        parts.append("north" if dy < 0 else "south")
    if abs(dx) > 0.41 * abs(dy):
        parts.append("east" if dx > 0 else "west")
    return "-".join(parts) or "here"


def _distance(a: Pos, b: Pos) -> int:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))
