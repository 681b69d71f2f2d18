"""Reading what the player typed: which kind of question it is, and what it is about.

A few plain rules and word lists, not a language model: the offline brain answers at
once, with nothing to download. Words are reduced to stems ("forging" and "forge" are
one), a few synonyms to one word ("mum" is "mother", "blacksmith" is "smith"), and a
word misspelt by a letter or two is read as the nearest word the villager knows.
Everything here is pure and cached: the same facts are read turn after turn.
"""

from __future__ import annotations

import difflib
import functools
import re
import threading
from collections.abc import Iterable
from typing import NamedTuple

import snowballstemmer

# Words that mean one thing to a villager: the first of each group stands for them all.
# Places' names are here with their trades, so "where's the blacksmith?" finds the smithy.
SYNONYM_GROUPS = (
    ("smith", "blacksmith", "smithy", "forge", "anvil", "farrier"),
    ("mother", "mum", "mom", "ma", "mam", "mama", "mummy", "mommy"),
    ("father", "dad", "pa", "papa", "daddy"),
    ("son", "boy", "lad", "kid"),
    ("bakery", "baker", "bake", "bread", "loaf", "loaves", "bakehouse"),
    ("inn", "innkeeper", "tavern", "pub", "taproom", "alehouse", "innkeep"),
    ("mill", "miller", "watermill"),
    ("herbalist", "healer", "herb", "medicine", "remedy", "doctor", "apothecary"),
    ("fisher", "fish", "fisherman", "fishing", "angler"),
    ("chapel", "church", "temple", "shrine", "kirk"),
    ("pond", "lake", "mere"),
    ("millstream", "stream", "river", "brook", "creek"),
    ("square", "plaza", "marketplace", "centre", "center"),
    ("festival", "fest", "celebration", "feast", "fete"),
    ("light", "glow", "wisp", "glimmer"),
    ("ghost", "spirit", "spook", "phantom", "haunt"),
    ("money", "coin", "silver", "copper", "cash", "debt", "owe"),
    ("meadow", "field", "pasture"),
    ("ale", "beer"),
    ("stew", "soup"),
    ("bee", "beehive", "hive"),
    ("night", "midnight", "nighttime"),
    ("low", "drop", "shallow"),
)
# Past tenses the stemmer leaves alone: "I found the key" answers "did you find a key?"
IRREGULAR = {
    "found": "find", "seen": "see", "saw": "see", "kept": "keep", "sold": "sell",
    "told": "tell", "went": "go", "gone": "go", "made": "make", "brought": "bring",
    "bought": "buy", "lost": "lose", "built": "build", "heard": "hear", "knew": "know",
    "caught": "catch", "ate": "eat", "thought": "think", "taught": "teach",
}  # fmt: skip
# Broad words a player asks with, widened to what a villager's facts say.
BROADER = {
    "food": ("eat", "hungry", "meal", "supper", "stew", "bakery", "cake", "pie", "tart"),
    "eat": ("food", "meal", "supper", "stew", "bakery", "cake", "pie", "tart"),
    "drink": ("ale", "cider", "syrup", "milk"),
    "job": ("work",),
    "trade": ("work",),
    "sick": ("cough", "ill", "herbalist", "salve", "tincture", "syrup"),
    "ill": ("cough", "sick", "herbalist", "salve", "tincture", "syrup"),
    "hurt": ("back", "ache", "burn", "salve", "tincture"),
}

_local = threading.local()  # a Snowball stemmer keeps state while it works: one a thread


def _stemmer() -> snowballstemmer.stemmer:
    found = getattr(_local, "stemmer", None)
    if found is None:
        found = _local.stemmer = snowballstemmer.stemmer("english")
    return found


@functools.lru_cache(maxsize=65536)  # stemming a word takes some 25 microseconds
def word_stem(word: str) -> str:
    """A lower-case word's stem, as written: "forging" -> "forg", "bread" -> "bread"."""
    if not word.isascii():  # the stemmer is English; other scripts are matched as written
        return word
    return _stemmer().stemWord(IRREGULAR.get(word, word))


SYNONYMS = {word_stem(w): group[0] for group in SYNONYM_GROUPS for w in group}


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """What a lower-case word stands for: its stem, synonyms made one ("mum" -> "mother")."""
    found = word_stem(word)
    return SYNONYMS.get(found, found)


# ---- normalising a line ---------------------------------------------------------------

# How players write in a hurry, and common slips, as the words meant.
SPELLINGS = {
    "u": "you", "ya": "you", "yu": "you", "ur": "your", "yer": "your", "r": "are",
    "wat": "what", "wut": "what", "wot": "what", "wht": "what", "waht": "what",
    "wher": "where", "whre": "where", "wehre": "where", "whee": "where",
    "wheres": "where is", "whats": "what is", "whos": "who is", "hows": "how is",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "havent": "have not",
    "hasnt": "has not", "cant": "can not", "wont": "will not", "isnt": "is not",
    "im": "i am", "ive": "i have", "youre": "you are", "youve": "you have",
    "thx": "thanks", "ty": "thanks", "thnx": "thanks", "thanx": "thanks",
    "pls": "please", "plz": "please", "kno": "know", "knw": "know", "konw": "know",
    "abt": "about", "bout": "about", "wanna": "want to", "gotta": "got to",
    "gonna": "going to", "cya": "bye", "seeya": "see you", "nite": "night",
    "hiya": "hi", "howdy": "hello", "yo": "hi", "heya": "hey", "smth": "something",
    "sumthing": "something", "anythin": "anything", "teh": "the", "hte": "the",
    "yuo": "you", "oyu": "you", "nad": "and", "adn": "and",
}  # fmt: skip
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_CONTRACTIONS = (
    (re.compile(r"\b(can)'t\b"), r"\1 not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"\b(where|what|who|how|it|that|there|here|when|why|which)'s\b"), r"\1 is"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"\bi'm\b"), "i am"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"'s\b"), ""),  # Marta's oven: the oven is what it is about
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """The line's words, lower case, contractions opened and chat spellings mended."""
    lower = text.lower().translate(_QUOTES)
    for pattern, replacement in _CONTRACTIONS:
        lower = pattern.sub(replacement, lower)
    found: list[str] = []
    for word in _TOKEN.findall(lower.replace("'", "")):
        found.extend(SPELLINGS.get(word, word).split())
    return found


# ---- what a question is about -----------------------------------------------------------

GREETING_WORDS = frozenset({"hello", "hi", "hey", "greetings", "morning", "evening", "howdy"})
THANKS_WORDS = frozenset({"thanks", "thank", "cheers", "ta", "obliged", "appreciate", "grateful"})
FAREWELL_WORDS = frozenset(
    {"bye", "goodbye", "farewell", "byebye", "goodnight", "adieu", "cheerio", "ciao", "laters"}
)
# Words that frame a question rather than say what it is about.
FRAME = frozenset(
    """a an the this that these those it its is are am was were be been being do does did
    done doing you your yours yourself i me my mine myself we us our he him his she her they
    them their what where who whom why how when which whose there here any anything
    something some know tell say said hear about have has had got get getting seen see find
    spot spotted notice noticed come across want need like wish hope can could would should
    will may might must please hello hi hey greetings morning evening afternoon day good
    thanks thank cheers of in on at to from for with by near around into onto go going way
    far directions lately recently today ever much more else really just so oh ok okay
    um uh er hmm sir madam mister miss friend mate buddy pal lady fellow and or but if not no
    yes yeah then now still also too very all sell sells buy keep keeps own stock carry serve
    make bake brew grow give lend borrow look looking happen happened happening going on up
    news gossip rumour rumours rumor rumors new lately place live living work working
    mean means meant let lets think thought anyone someone anybody somebody one help take
    care sale kindly""".split()
    + [*GREETING_WORDS, *THANKS_WORDS, *FAREWELL_WORDS]
)
# Words that ask about everything at once: "seen anything strange?" has no one topic.
VAGUE = frozenset(
    """strange odd weird unusual funny interesting suspicious mysterious curious queer
    stuff things thing matter around""".split()
)
FAREWELL_PHRASES = re.compile(
    r"\b(see you|take care|so long|be off|be going|(must|have to|got to|need to|should) go"
    r"|i am off|i am leaving|i will leave|good night|until next time|catch you later"
    r"|talk later|see ya|gotta go|time to go|must be off)\b"
)

# (kind, pattern) in the order they are tried, on the mended words joined by spaces.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        (
            "identity",
            r"\bwho (are|is|might) you\b|\bwhat is your (name|job|work|trade|line|profession"
            r"|occupation|role)\b|\byour name\b|\bwhat (do|did) you do\b|\bwhat is it you do\b"
            r"|\babout yourself\b|\bintroduce yourself\b|\bwhere do you (live|work|stay|sleep)\b"
            r"|\bwhat do you do for\b|\bdo you work\b|\bwhat are you\b$|\bwho are ya\b"
            r"|\bwhat is your story\b|\bare you (the|a|an) \w+$",
        ),
        (
            "want",
            r"\bwhat (do|would) you (want|need|wish|hope|like|desire)\b|\bwhat are you "
            r"(after|doing|up to|working on|planning|hoping|looking for|trying)\b|\b(can|could"
            r"|may|shall) i help\b|\bhow can i help\b|\bhelp you\b|\banything i can do\b"
            r"|\bdo you need\b|\b(your|any) (goal|goals|plan|plans|wish|wishes|dream|dreams"
            r"|problem|problems|trouble|troubles|worry|worries)\b|\bwhat is (bothering|troubling"
            r"|worrying) you\b|\bwhat is on your mind\b|\bwhat are you (worried|concerned)\b",
        ),
        (
            "where",
            r"\bwhere\b|\bhow (do|can|would|should) (i|we|one) (get|go) to\b|\bwhich way\b"
            r"|\bway to\b|\bhow far\b|\bdirections?\b|\bhow to get to\b|\bhow do i find\b",
        ),
        (
            "seen",
            r"\b(have|did|has) you (ever )?(see|seen|saw|spot|spotted|notice|noticed|find"
            r"|found|come across|caught sight)\b|^(you )?(seen|see) (any|a|an|the|my|your)\b"
            r"|\bany sign of\b|\b(seen|noticed) anything\b",
        ),
        (
            "have",
            r"\b(do|did) you (have|own|keep|sell|stock|carry|serve|got|grow)\b|\bhave you (got"
            r"|any)\b|\bgot any\b|\b(can|could|may) i (buy|get|have|borrow|purchase)\b|\b(is|are"
            r") (there|you) (any|selling)\b|\banything to (eat|drink|sell)\b|\bwhat do you "
            r"(sell|have|make|bake|brew|serve|grow|keep|stock)\b|\bfor sale\b",
        ),
        (
            "howareyou",
            r"\bhow (are|is|have) (you|it|things|life|business|work|everything)\b|\bhow do you"
            r" do\b|\byou (ok|okay|alright|all right)\b|\bhow is it going\b|\bwhat is up\b$",
        ),
        (
            "know",
            r"\b(what|anything) (do|can|could) you (know|tell|say)\b|\btell me\b|\bheard\b"
            r"|\bhear\b|\bknow (anything|much|about|of)\b|\bwhat about\b|\b(any|the) (news"
            r"|gossip|rumours?|rumors?)\b|\bwhat is (new|happening|going on)\b|\bwhat happened"
            r"\b|\bexplain\b",
        ),
    )
)
_QUESTION_START = frozenset(
    """who what where why how when which whose is are was were does do did can could will
    would should have has any anything""".split()
)
KINDS = (
    "farewell", "thanks", "greeting", "identity", "want", "seen", "have", "where",
    "howareyou", "know", "other",
)  # fmt: skip


class Question(NamedTuple):
    """What the player asked: ``kind`` is one of :data:`KINDS`; ``topic`` the words it is
    about, in order, mended and lower case ("the old brige" -> ("old", "bridge"))."""

    kind: str
    topic: tuple[str, ...]
    words: tuple[str, ...]  # the whole line, mended
    asked: bool  # a question, rather than a remark

    @property
    def concepts(self) -> frozenset[str]:
        """The topic's stems, with broad words widened ("food" -> stew, bread...)."""
        return frozenset().union(*self.senses)

    @property
    def senses(self) -> tuple[frozenset[str], ...]:
        """For each topic word, the stems it may be found by: one, or a broad word's many."""
        return tuple(senses(word) for word in self.topic)


@functools.lru_cache(maxsize=4096)
def senses(word: str) -> frozenset[str]:
    return frozenset([stem(word), *(stem(w) for w in BROADER.get(word, ()))])


def mend(words: Iterable[str], vocabulary: frozenset[str]) -> list[str]:
    """Each word, or the known word it is a slip for ("blacksmth" -> "blacksmith").

    Only words of four letters or more that are not known as they are are mended, and
    only to a word that is nearly the same and starts alike: an odd word stays odd, and
    is not known.
    """
    mended = []
    for word in words:
        if len(word) >= 4 and word not in vocabulary and word not in FRAME:
            # A slip seldom hits the first letter; "after" is not "water", nor "king" "asking".
            known = _long_words(vocabulary).get(word[0], ())
            close = difflib.get_close_matches(word, known, n=1, cutoff=0.84)
            if close:
                word = close[0]
        mended.append(word)
    return mended


@functools.lru_cache(maxsize=64)
def _long_words(vocabulary: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """The words a slip may be mended to, by first letter: not short ones, which are too
    near too many ("care" is not "are")."""
    found: dict[str, list[str]] = {}
    for word in sorted(vocabulary):
        if len(word) >= 4:
            found.setdefault(word[0], []).append(word)
    return {letter: tuple(known) for letter, known in found.items()}


#: Words any villager knows, for mending slips: the synonyms and the question words.
COMMON_WORDS = frozenset(
    [w for group in SYNONYM_GROUPS for w in group]
    + list(BROADER)
    + """where what want need know seen have goodbye hello thanks about anything
    something tell""".split()
)


def classify(text: str, vocabulary: frozenset[str] = frozenset(), me: str = "") -> Question:
    """Which kind of question ``text`` is, and what it is about.

    ``vocabulary`` is the words the villager knows (for mending slips); ``me`` its name,
    which is who is spoken to rather than what is asked about ("Bram, where's the inn?").
    """
    words = mend(tokens(text), vocabulary | COMMON_WORDS)
    if len(words) > 1 and words[0] in ("well", "so", "oh", "um", "ok", "okay"):
        words = words[1:]  # "Well, where's the inn?": a filler, not the village well
    line = " ".join(words)
    topic = tuple(w for w in words if w not in FRAME and w not in VAGUE and w != me.lower())
    asked = "?" in text or bool(words and words[0] in _QUESTION_START)
    if me and topic == () and me.lower() in words and re.search(r"\bwho is\b", line):
        return Question("identity", (), tuple(words), True)  # "who is Bram?" to Bram
    kind = "other"
    if set(words) & FAREWELL_WORDS or FAREWELL_PHRASES.search(line) or line == "later":
        kind = "farewell"
    else:
        for name, pattern in _KINDS:
            if pattern.search(line):
                kind = name
                break
        else:
            if set(words) & THANKS_WORDS and not topic:
                kind = "thanks"
            elif set(words) & GREETING_WORDS and not topic:
                kind = "greeting"
            elif asked:
                kind = "know"
    return Question(kind, topic, tuple(words), asked)
