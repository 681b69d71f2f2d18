"""The directive parser: tolerant in form, strict in meaning, and it never raises."""

from __future__ import annotations

import dataclasses
import re
import time
import unicodedata
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.sim.directives import (
    MAX_MESSAGE_CHARS,
    MAX_WARNINGS,
    REGISTRY,
    BaseDirective,
    Directive,
    DirectiveError,
    EndConversation,
    MoveTo,
    ParseResult,
    Say,
    StartConversation,
    Wait,
    describe_directives,
    parse_directives,
    parse_reply,
    register,
    says_then_ends,
)
from game.text import one_line

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one(text: str | None, **kw: object) -> Directive:
    """The single directive ``text`` parses to, with no warnings."""
    result = parse_directives(text, who="Ada", **kw)  # type: ignore[arg-type]
    assert result.warnings == (), result.warnings
    assert len(result.directives) == 1, result.directives
    return result.directives[0]


# ---- the directive classes ------------------------------------------------------------


def test_registry_holds_every_verb_with_usage_and_help() -> None:
    assert list(REGISTRY) == [
        "move_to",
        "say",
        "wait",
        "start_conversation_with",
        "end_conversation",
    ]
    expected = {
        "move_to": (MoveTo, "move_to(x, y)"),
        "say": (Say, "say(message)"),
        "wait": (Wait, "wait()"),
        "start_conversation_with": (StartConversation, "start_conversation_with(Name, message)"),
        "end_conversation": (EndConversation, "end_conversation()"),
    }
    for verb, (cls, usage) in expected.items():
        assert REGISTRY[verb] is cls
        assert cls.name == verb
        assert cls.usage == usage
        assert cls.help and "\n" not in cls.help


def test_directives_are_frozen_and_typed() -> None:
    move = MoveTo(3, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        move.x = 5  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(StartConversation)] == ["target", "message"]
    assert [f.name for f in dataclasses.fields(Wait)] == []
    assert Say("hi") == Say("hi") and hash(Say("hi")) == hash(Say("hi"))


def test_from_args_raises_directive_error() -> None:
    assert MoveTo.from_args(" 3 , -4 ") == MoveTo(3, -4)
    assert Say.from_args('"Hi"') == Say("Hi")
    assert Wait.from_args("") == Wait()
    cases: list[tuple[type[BaseDirective], str]] = [
        (MoveTo, "3"),
        (Say, ""),
        (Wait, "5"),
        (StartConversation, "Bjorn"),
    ]
    for cls, raw in cases:
        with pytest.raises(DirectiveError) as info:
            cls.from_args(raw)
        assert info.value.reason


def test_describe_directives_lists_every_verb_once_per_line() -> None:
    text = describe_directives()
    lines = text.splitlines()
    assert len(lines) == len(REGISTRY)
    for line, cls in zip(lines, REGISTRY.values(), strict=True):
        assert line.startswith(cls.usage)
        assert cls.help in line


def test_adding_a_verb_is_one_small_class() -> None:
    @dataclass(frozen=True)
    class Dance(BaseDirective):
        name = "dance"
        usage = "dance()"
        help = "dance a little jig"

        @classmethod
        def from_args(cls, raw: str) -> Dance:  # type: ignore[override]
            if raw.strip():
                raise DirectiveError("dance takes no arguments")
            return cls()

        def render(self) -> str:
            return "dance()"

    try:
        register(Dance)
        assert "dance() - dance a little jig" in describe_directives()
        result = parse_directives("- Dance()\nI will dance(now)", who="Ada")
        assert result.directives == (Dance(),)
        assert len(result.warnings) == 1 and "must start" in result.warnings[0]
        with pytest.raises(ValueError):
            register(Dance)
    finally:
        REGISTRY.pop("dance", None)
    assert "dance" not in describe_directives()


def test_render_is_canonical() -> None:
    assert MoveTo(3, -4).render() == "move_to(3, -4)"
    assert Say("Hello").render() == 'say("Hello")'
    assert Wait().render() == "wait()"
    assert EndConversation().render() == "end_conversation()"
    assert StartConversation("Bjorn", "Hi, you").render() == (
        'start_conversation_with(Bjorn, "Hi, you")'
    )
    # always one line, even for a message that was built by hand with a newline
    assert Say("two\nlines").render() == 'say("two lines")'


@pytest.mark.parametrize(
    "directive",
    [
        MoveTo(0, 0),
        MoveTo(-12, 345),
        Say("Hello"),
        Say('He said "no", then left (sadly): fine.'),
        Say("'tis a fine day"),
        Say('"quoted"'),
        Say('"'),
        Say("a)"),
        Say("“curly”"),
        Say("x" * (MAX_MESSAGE_CHARS - 1) + "…"),
        Wait(),
        EndConversation(),
        StartConversation("Bjorn", "Hi, Bjorn!"),
        StartConversation("Old Tom", "(waves)"),
        StartConversation("O'Brien-Smith", "Morning"),
    ],
)
def test_render_round_trips(directive: Directive) -> None:
    assert one(directive.render()) == directive
    reply, warnings = parse_reply(directive.render())
    if isinstance(directive, (Say, EndConversation)):
        assert reply == directive and warnings == ()
    else:
        assert reply is None and len(warnings) == 1


# ---- form tolerance -----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "move_to(3, 4)",
        "move_to(3,4)",
        "  move_to(  3 ,  4  )  ",
        "\tmove_to(3, 4)\t",
        "MOVE_TO(3, 4)",
        "Move_To (3, 4)",
        "move_to   (3, 4)",
        "move_to(+3, 4)",
        "move_to(x=3, y=4)",
        "move_to(x = 3, y = 4)",
        "move_to(X=3, Y=4)",
        "move_to(y=4, x=3)",
        "move_to(x: 3, y: 4)",
        "move_to((3, 4))",
        "move_to([3, 4])",
        "move_to(( 3,4 ))",
        "- move_to(3, 4)",
        "-move_to(3, 4)",
        "* move_to(3, 4)",
        "• move_to(3, 4)",
        "+ move_to(3, 4)",
        "1. move_to(3, 4)",
        "12. move_to(3, 4)",
        "2) move_to(3, 4)",
        "(3) move_to(3, 4)",
        "> move_to(3, 4)",
        ">> move_to(3, 4)",
        "> - 1. move_to(3, 4)",
        "**move_to(3, 4)**",
        "__move_to(3, 4)__",
        "`move_to(3, 4)`",
        "```move_to(3, 4)```",
        "- **`move_to(3, 4)`**",
        "move_to(3, 4);",
        "move_to(3, 4).",
        "move_to(3, 4) ;",
        "move_to(3, 4",
        "move_to(3, 4) # towards the well",
        "\ufeffmove_to(3, 4)",
        "Action: move_to(3, 4)",
        "Next action: **move_to(3, 4)**",
        "**Action:** `move_to(3, 4)`",
        "Ada: move_to(3, 4)",
    ],
)
def test_move_to_forms(line: str) -> None:
    assert one(line) == MoveTo(3, 4)


def test_move_to_signs() -> None:
    assert one("move_to(-3, -4)") == MoveTo(-3, -4)
    assert one("move_to(007, 0)") == MoveTo(7, 0)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('say("Hello")', "Hello"),
        ("say('Hello')", "Hello"),
        ("say(“Hello”)", "Hello"),
        ("say(‘Hello’)", "Hello"),
        ("say(Hello)", "Hello"),
        ('SAY ("Hello")', "Hello"),
        ('Say  ("Hello")', "Hello"),
        ('say("Hello"', "Hello"),
        ("say(Hello", "Hello"),
        ('say("Hello)', "Hello"),
        ('- say("Hello");', "Hello"),
        ('1) **say("Hello")**', "Hello"),
        ('> `say("Hello")`.', "Hello"),
        ('say("Hi there.")', "Hi there."),
        ('say("Well, I (think) so: yes")', "Well, I (think) so: yes"),
        ("say(Well, I (think) so: yes)", "Well, I (think) so: yes"),
        ("say(\"She said 'hi' to me\")", "She said 'hi' to me"),
        ("say('He said \"no\"')", 'He said "no"'),
        ("say(“It’s “fine””)", "It’s “fine”"),
        ("say('tis a fine day)", "'tis a fine day"),
        ('say(""quoted"")', '"quoted"'),
        ('say("He said "hi" twice")', 'He said "hi" twice'),
        ('say("  spaced    out  ")', "spaced out"),
        ('say("tab\there")', "tab here"),
        ('say("a\x00b\x07c\x1bd")', "abcd"),
        ('say("a \x00 b")', "a b"),
        ('say( "Hello" )', "Hello"),
        ('say("a :) smile")', "a :) smile"),
        ('say("Hello") he said', "Hello"),
        ('Ada: say("Hello")', "Hello"),
        ('Reply: say("Hello")', "Hello"),
    ],
)
def test_say_forms(line: str, message: str) -> None:
    assert one(line) == Say(message)


def test_a_message_broken_over_lines_keeps_its_first_line() -> None:
    assert parse_directives('say("Hello\nthere")\nwait') == ParseResult((Say("Hello"), Wait()), ())


def test_parentheses_in_messages_are_not_second_calls() -> None:
    assert one("say(I said (hello), wait (please))") == Say("I said (hello), wait (please)")
    assert one('say("(sighs) say what you like")') == Say("(sighs) say what you like")


def test_long_messages_are_capped_with_an_ellipsis() -> None:
    said = one('say("' + "word " * 200 + '")')
    assert isinstance(said, Say)
    assert len(said.message) <= MAX_MESSAGE_CHARS
    assert said.message.endswith("…")
    assert said.message.startswith("word word")
    exact = "x" * MAX_MESSAGE_CHARS
    assert one(f'say("{exact}")') == Say(exact)
    assert one(f'say("{exact}x")') == Say("x" * (MAX_MESSAGE_CHARS - 1) + "…")


@pytest.mark.parametrize(
    "line",
    ["wait", "Wait", "WAIT", "wait()", "wait( )", "wait ()", "- wait.", "**wait**", "`wait()`;"],
)
def test_wait_forms(line: str) -> None:
    assert one(line) == Wait()


@pytest.mark.parametrize(
    "line",
    ["end_conversation", "end_conversation()", "End_Conversation ( )", "* `end_conversation`"],
)
def test_end_conversation_forms(line: str) -> None:
    assert one(line) == EndConversation()


@pytest.mark.parametrize(
    ("line", "target", "message"),
    [
        ('start_conversation_with(Bjorn, "Hi")', "Bjorn", "Hi"),
        ('start_conversation_with("Bjorn", "Hi, you!")', "Bjorn", "Hi, you!"),
        ("start_conversation_with('Bjorn', Hi there)", "Bjorn", "Hi there"),
        ("start_conversation_with(“Bjorn”, “Hi”)", "Bjorn", "Hi"),
        ("Start_Conversation_With (Bjorn,Hello: friend (old))", "Bjorn", "Hello: friend (old)"),
        ('start_conversation_with( Old  Tom , "Morning")', "Old Tom", "Morning"),
        ("start_conversation_with(Player, Good day, traveller)", "Player", "Good day, traveller"),
        ('1. **start_conversation_with(Bjorn, "Hi")**', "Bjorn", "Hi"),
    ],
)
def test_start_conversation_forms(line: str, target: str, message: str) -> None:
    assert one(line) == StartConversation(target, message)


@pytest.mark.parametrize(
    "text",
    [
        "```\nwait()\n```",
        "```text\nwait()\n```",
        "```python\n- wait()\n```\n",
        "~~~\nwait\n~~~",
        "Here is my plan:\n\n```\nwait()\n```\nThat is all.",
        "\r\n  wait()  \r\n",
    ],
)
def test_fences_and_blank_lines(text: str) -> None:
    assert one(text) == Wait()


def test_a_whole_messy_answer() -> None:
    text = """Sure! Here is what Ada does:
```
1. **move_to(3, 4)**
2. say("Morning, Bjorn: how's the goat?");
3) `wait`
```
Hope that helps."""
    assert parse_directives(text, who="Ada") == ParseResult(
        (MoveTo(3, 4), Say("Morning, Bjorn: how's the goat?"), Wait()), ()
    )


@pytest.mark.parametrize("text", [None, "", "   ", "\n\n\n", "```\n```", "- \n* \n1. "])
def test_nothing_gives_nothing_and_no_warning(text: str | None) -> None:
    assert parse_directives(text) == ParseResult((), ())
    assert parse_reply(text) == (None, ())


@pytest.mark.parametrize(
    "line",
    [
        "I am going to the well.",
        "Hello there!",
        "Okay",
        "Okay.",
        "Wait for me!",
        "Say hello to Bjorn",
        "Hmm (thinking) about it",
        "Ada (smiling) waves",
        "Note: the well is at (3, 4)",
        'Bjorn: "Hello there!"',
        "The end.",
        "12. Buy bread",
        "**Plan**",
    ],
)
def test_prose_is_ignored_silently(line: str) -> None:
    assert parse_directives(line, who="Ada") == ParseResult((), ())


# ---- strict meaning: every rejected line is a warning --------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("fly_to(3, 4)", "unknown directive 'fly_to'"),
        ("- Fly_To(3, 4)", "unknown directive 'Fly_To'"),
        ('print("hi")', "unknown directive 'print'"),
        ("Action: fly_to(3, 4)", "unknown directive 'fly_to'"),
        ("move_to(3.5, 4)", "move_to"),
        ("move_to(three, four)", "move_to"),
        ("move_to(3)", "move_to"),
        ("move_to(1, 2, 3)", "move_to"),
        ("move_to(3, 4,)", "move_to"),
        ("move_to()", "move_to"),
        ("move_to", "move_to"),
        ("move_to(3 4)", "move_to"),
        ("move_to(a=3, b=4)", "move_to"),
        ("move_to(x=3, x=4)", "move_to"),
        ("move_to(1234567890, 1)", "move_to"),
        ("move_to(3, 4) then say(hi)", "move_to"),
        ("move_to(٣, 4)", "move_to"),
        ("say()", "empty message"),
        ('say("")', "empty message"),
        ("say(   )", "empty message"),
        ("say('')", "empty message"),
        ('say("\x00\x01")', "empty message"),
        ("say", "empty message"),
        ("wait(5)", "no arguments"),
        ("wait(now)", "no arguments"),
        ("end_conversation(bye)", "no arguments"),
        ("start_conversation_with(Bjorn)", "message"),
        ('start_conversation_with(Bjorn, "")', "empty opening message"),
        ("start_conversation_with(Bjorn, )", "empty opening message"),
        ('start_conversation_with(, "hi")', "name"),
        ('start_conversation_with("", "hi")', "name"),
        ("start_conversation_with()", "name"),
        ("start_conversation_with(Bob (the smith), hi)", "not a name"),
        ("start_conversation_with(" + "A" * 50 + ", hi)", "not a name"),
        ("start_conversation_with(42, hi)", "not a name"),
        ("say: hello", "expected say(message)"),
        ("Move_To: 3, 4", "expected move_to(x, y)"),
        ("I think I will say(hello)", "must start"),
        ("Then I move_to(3, 4) and rest", "must start"),
        ("A rather long label that goes on and on: move_to(3, 4)", "must start"),
        ('say("hi") move_to(1, 2)', "one directive per line"),
        ('move_to(3, 4); say("hi")', "one directive per line"),
        ("wait(), end_conversation()", "one directive per line"),
        ('say("Hi)Say("again")', "one directive per line"),
    ],
)
def test_each_error_is_one_warning_naming_npc_and_line(line: str, reason: str) -> None:
    result = parse_directives(line, who="Ada")
    assert result.directives == ()
    assert len(result.warnings) == 1, result.warnings
    warning = result.warnings[0]
    assert warning.startswith("Ada: skipped ")
    assert f'"{one_line(line)}"' in warning
    assert reason in warning
    assert "\n" not in warning


def test_warning_example_from_the_brief() -> None:
    result = parse_directives("fly_to(3, 4)", who="Ada")
    assert result.warnings == ("Ada: skipped \"fly_to(3, 4)\": unknown directive 'fly_to'",)


def test_warnings_quote_long_lines_cut_short_on_one_line() -> None:
    line = "fly_to(" + "9, " * 200 + ")"
    (warning,) = parse_directives(line + "\x0b", who="Ada\nLovelace").warnings
    assert warning.startswith('Ada Lovelace: skipped "fly_to(9, 9, ')
    assert "…" in warning and len(warning) < 160
    assert warning.isprintable()


def test_bad_lines_do_not_stop_good_ones() -> None:
    text = "fly_to(1, 2)\nmove_to(1, 2)\nsay()\nwait"
    result = parse_directives(text, who="Ada")
    assert result.directives == (MoveTo(1, 2), Wait())
    assert len(result.warnings) == 2
    assert '"fly_to(1, 2)"' in result.warnings[0] and '"say()"' in result.warnings[1]


def test_too_many_warnings_are_summarised() -> None:
    result = parse_directives("fly()\n" * 100, who="Ada")
    assert len(result.warnings) == MAX_WARNINGS + 1
    assert result.warnings[-1] == "Ada: 80 more warning(s) not shown"


def test_default_name_is_npc() -> None:
    assert parse_directives("fly()").warnings[0].startswith("NPC: ")
    assert parse_directives("fly()", who="").warnings[0].startswith("NPC: ")


# ---- the limit and the conversation cut ---------------------------------------------


def test_limit_keeps_the_first_and_warns_once() -> None:
    text = "\n".join(f"move_to({i}, {i})" for i in range(8))
    result = parse_directives(text, who="Ada")
    assert result.directives == tuple(MoveTo(i, i) for i in range(5))
    (warning,) = result.warnings
    assert warning.startswith("Ada: dropped 3 directive(s) over the limit of 5")
    assert "move_to(5, 5)" in warning


def test_limit_is_a_parameter() -> None:
    text = "wait\n" * 4
    assert len(parse_directives(text, limit=2).directives) == 2
    assert len(parse_directives(text, limit=4).directives) == 4
    assert parse_directives(text, limit=4).warnings == ()
    for limit in (0, -3):
        result = parse_directives(text, limit=limit)
        assert result.directives == () and len(result.warnings) == 1
        assert "dropped 4" in result.warnings[0]


def test_bad_lines_do_not_count_against_the_limit() -> None:
    text = "fly()\n" * 3 + "wait\n" * 5
    result = parse_directives(text, limit=5)
    assert len(result.directives) == 5
    assert not any("dropped" in w for w in result.warnings)


def test_start_conversation_ends_the_list() -> None:
    text = 'say("Hi")\nstart_conversation_with(Bjorn, "Hello")\nmove_to(1, 2)\nwait\nfly()'
    result = parse_directives(text, who="Ada")
    assert result.directives == (Say("Hi"), StartConversation("Bjorn", "Hello"))
    assert len(result.warnings) == 2
    assert "unknown directive 'fly'" in result.warnings[0]
    assert result.warnings[1].startswith(
        "Ada: dropped 2 directive(s) after start_conversation_with"
    )
    assert "move_to(1, 2), wait()" in result.warnings[1]


def test_start_conversation_last_needs_no_warning() -> None:
    text = 'wait\nstart_conversation_with(Bjorn, "Hello")\nThat should do it.'
    result = parse_directives(text)
    assert result == ParseResult((Wait(), StartConversation("Bjorn", "Hello")), ())


def test_only_the_first_start_conversation_counts() -> None:
    text = "start_conversation_with(Bjorn, Hi)\nstart_conversation_with(Cora, Hi)"
    result = parse_directives(text)
    assert result.directives == (StartConversation("Bjorn", "Hi"),)
    assert len(result.warnings) == 1


def test_start_conversation_beyond_the_limit_is_just_over_the_limit() -> None:
    text = "wait\n" * 5 + "start_conversation_with(Bjorn, Hi)\nwait"
    result = parse_directives(text, limit=5)
    assert result.directives == (Wait(),) * 5
    (warning,) = result.warnings
    assert "dropped 2 directive(s) over the limit of 5" in warning


# ---- conversation replies -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('say("Hello")', Say("Hello")),
        ("say(Hello there, friend)", Say("Hello there, friend")),
        ("end_conversation()", EndConversation()),
        ("end_conversation", EndConversation()),
        ('Bjorn: say("Hi")', Say("Hi")),
        ('```\nsay("Hi")\n```', Say("Hi")),
        ('Let me answer.\n- say("Hi")', Say("Hi")),
        ('say("first")\nsay("second")', Say("first")),
        ('end_conversation()\nsay("bye")', EndConversation()),
        ('say("bye")\nend_conversation()', Say("bye")),
    ],
)
def test_parse_reply_takes_the_first_say_or_end(text: str, expected: Directive) -> None:
    assert parse_reply(text, who="Bjorn") == (expected, ())


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ('say("bye")\nend_conversation()', True),
        ('say("bye")\nI should go.\nend_conversation', True),
        ('say("bye")', False),
        ('end_conversation()\nsay("bye")', False),
        ('say("a")\nsay("b")', False),
        ("end_conversation()", False),
        (None, False),
    ],
)
def test_a_reply_may_say_a_last_line_and_then_end(text: str | None, ends: bool) -> None:
    assert says_then_ends(text) is ends


@pytest.mark.parametrize(
    "text",
    [
        "Hello there!",
        'Bjorn: "Hello there!"',
        '"Hello there!"',
        "Sure, I can help with that.",
        "Hmm (thinking)",
        "Hello",
    ],
)
def test_parse_reply_does_not_guess_from_plain_sentences(text: str) -> None:
    assert parse_reply(text, who="Bjorn") == (None, ())


def test_parse_reply_warns_about_other_verbs_and_bad_lines() -> None:
    text = 'move_to(1, 2)\nsay()\nwait\nsay("Right")\nfly()'
    answer, warnings = parse_reply(text, who="Bjorn")
    assert answer == Say("Right")
    assert len(warnings) == 3
    assert all(w.startswith("Bjorn: skipped ") for w in warnings)
    assert '"move_to(1, 2)"' in warnings[0] and "not allowed" in warnings[0]
    assert '"say()"' in warnings[1] and "empty message" in warnings[1]
    assert '"wait"' in warnings[2]


def test_parse_reply_with_no_usable_directive() -> None:
    answer, warnings = parse_reply("start_conversation_with(Cora, Hi)", who="Bjorn")
    assert answer is None
    (warning,) = warnings
    assert "start_conversation_with is not allowed" in warning
    assert parse_reply("I will say(hi)", who="Bjorn")[0] is None


# ---- never raises ---------------------------------------------------------------------


def check_result(result: ParseResult, limit: int) -> None:
    """The invariants every parse result keeps, whatever the input."""
    assert isinstance(result, ParseResult)
    assert len(result.directives) <= max(limit, 0)
    for directive in result.directives:
        assert type(directive) in REGISTRY.values()
        if isinstance(directive, (Say, StartConversation)):
            check_text(directive.message, MAX_MESSAGE_CHARS)
        if isinstance(directive, StartConversation):
            check_text(directive.target, 40)
        # whatever was parsed renders to text that parses back to it
        assert parse_directives(directive.render()).directives == (directive,)
    assert not any(isinstance(d, StartConversation) for d in result.directives[:-1])
    for warning in result.warnings:
        assert isinstance(warning, str) and warning
        assert len(warning.splitlines()) == 1
        assert not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in warning)


def check_text(text: str, limit: int) -> None:
    assert 0 < len(text) <= limit
    assert text == text.strip()
    assert "  " not in text
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)
    assert len(text.splitlines()) == 1


SNIPPETS = [
    "say(",
    "Say (",
    "move_to(",
    "wait",
    "end_conversation",
    "start_conversation_with(",
    "fly_to(",
    ")",
    "(",
    ",",
    '"',
    "'",
    "“",
    "”",
    ":",
    ";",
    ".",
    "x=",
    "-",
    "3",
    "-12",
    "4.5",
    "\n",
    "\r\n",
    "```",
    "**",
    "`",
    "1. ",
    "> ",
    "• ",
    " ",
    "\t",
    "\x00",
    "\x85",
    "\u2028",
    "\ud800",
    "Ada: ",
    "Bjorn",
    "…",
]
directive_soup = st.lists(
    st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=6)), max_size=60
).map("".join)


@FUZZ
@given(text=st.one_of(st.none(), st.text(), directive_soup), limit=st.integers(-2, 8))
def test_parse_directives_never_raises(text: str | None, limit: int) -> None:
    check_result(parse_directives(text, who="Ada", limit=limit), limit)


@FUZZ
@given(text=st.one_of(st.none(), st.text(), directive_soup))
def test_parse_reply_never_raises(text: str | None) -> None:
    answer, warnings = parse_reply(text, who="Bjorn")
    assert answer is None or isinstance(answer, (Say, EndConversation))
    check_result(ParseResult((answer,) if answer else (), warnings), 1)


@pytest.mark.parametrize(
    "text",
    [
        "say(" + "a" * 1_000_000 + ")",
        'say("' + "\x00 \n" * 200_000,
        "move_to(" + "1" * 100_000 + ", 2)",
        "- " * 200_000 + "wait",
        "1." * 100_000 + "wait",
        ". \u3000" * 200_000,
        "wait\n" * 50_000,
        "fly()\n" * 50_000,
        "Label" + ":" * 100_000,
        "x" * 1_000_000 + "say(",
    ],
)
def test_huge_inputs_are_quick(text: str) -> None:
    started = time.monotonic()
    result = parse_directives(text, who="Ada")
    check_result(result, 5)
    parse_reply(text, who="Ada")
    assert time.monotonic() - started < 10


def test_odd_arguments_do_not_raise() -> None:
    assert parse_directives(b'say("bytes")', who="Ada").directives == (  # type: ignore[arg-type]
        Say("bytes"),
    )
    assert parse_directives("wait", who=None).directives == (Wait(),)  # type: ignore[arg-type]
    result = parse_directives("wait", limit="many")  # type: ignore[arg-type]
    assert result.directives == () and len(result.warnings) == 1
    assert parse_reply(42).__class__ is tuple  # type: ignore[arg-type]


# ---- generated answers parse back to what was rendered ------------------------------

SECOND_CALL = re.compile(
    r"\)[\s;,]*(?:move_to|say|wait|start_conversation_with|end_conversation)\(", re.IGNORECASE
)
messages = (
    st.text(max_size=MAX_MESSAGE_CHARS + 20)
    .map(one_line)
    .filter(lambda m: 0 < len(m) <= MAX_MESSAGE_CHARS)
    # a ")" then a known call inside a message reads as two directives on one line
    .filter(lambda m: not SECOND_CALL.search(m))
)
names = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z'-]{0,23}", fullmatch=True),
    st.from_regex(r"[A-Z][a-z]{1,8} [A-Z][a-z]{1,8}", fullmatch=True),
)
coords = st.integers(-(10**6), 10**6)
directives = st.one_of(
    st.builds(MoveTo, coords, coords),
    st.builds(Say, messages),
    st.just(Wait()),
    st.just(EndConversation()),
    st.builds(StartConversation, names, messages),
)
DECORATIONS = [
    "{}",
    "  {}  ",
    "- {}",
    "* {}",
    "• {}",
    "+ {}",
    "{n}. {}",
    "{n}) {}",
    "({n}) {}",
    "> {}",
    "**{}**",
    "`{}`",
    "- **`{}`**",
    "{};",
    "{}.",
    "Action: {}",
]
PROSE = [
    "",
    "   ",
    "I am hungry.",
    "Let me think about this.",
    "Here is my plan:",
    "Sure! Here you go",
    "Hmm (thinking) about it",
    "The well is at (3, 4).",
]


def expected_cut(items: list[Directive], limit: int) -> tuple[Directive, ...]:
    for i, directive in enumerate(items[:limit]):
        if isinstance(directive, StartConversation):
            return tuple(items[: i + 1])
    return tuple(items[:limit])


@FUZZ
@given(
    items=st.lists(directives, max_size=10),
    decorations=st.lists(st.sampled_from(DECORATIONS), min_size=10, max_size=10),
    prose=st.lists(st.sampled_from(PROSE), min_size=11, max_size=11),
    fence=st.sampled_from([None, "```", "```text", "~~~"]),
    limit=st.integers(0, 8),
)
def test_rendered_directives_parse_back(
    items: list[Directive],
    decorations: list[str],
    prose: list[str],
    fence: str | None,
    limit: int,
) -> None:
    lines = [prose[0]]
    for i, directive in enumerate(items):
        lines.append(decorations[i].format(directive.render(), n=i + 1))
        lines.append(prose[i + 1])
    if fence is not None:
        lines = [fence, *lines, fence[:3]]
    result = parse_directives("\n".join(lines), who="Ada", limit=limit)
    expected = expected_cut(items, limit)
    assert result.directives == expected
    dropped = len(items) - len(expected)
    assert len(result.warnings) == (1 if dropped else 0), result.warnings
    if dropped:
        assert f"dropped {dropped} directive(s)" in result.warnings[0]


@FUZZ
@given(items=st.lists(directives, min_size=1, max_size=6), prose=st.sampled_from(PROSE))
def test_rendered_replies_parse_back(items: list[Directive], prose: str) -> None:
    text = "\n".join([prose, *(d.render() for d in items)])
    answer, warnings = parse_reply(text, who="Bjorn")
    first = next((d for d in items if isinstance(d, (Say, EndConversation))), None)
    assert answer == first
    skipped = items.index(first) if first is not None else len(items)
    assert len(warnings) == skipped


@given(x=st.integers(-(10**9) + 1, 10**9 - 1), y=st.integers(-(10**9) + 1, 10**9 - 1))
def test_a_plain_move_to_reads_as_the_general_rules_read_it(x: int, y: int) -> None:
    """``move_to(3, 4)`` as written by ``render`` is read by a short cut; the same line
    with a bullet before it goes through the general rules. Both must agree."""
    line = MoveTo(x, y).render()
    plain = parse_directives(line, who="Ada")
    bulleted = parse_directives(f"- {line}", who="Ada")
    assert plain == bulleted
    assert plain.directives == (MoveTo(x, y),) and plain.warnings == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>\nmove_to(0, 0) is too far.\nmove_to(0, 0)\n</think>\nwait()", (Wait(),)),
        ('<THINKING>say("x")</THINKING>\nmove_to(1, 2)', (MoveTo(1, 2),)),
        ('<Think>say("x")</Think>\nwait()', (Wait(),)),  # any case, as the tags are matched
        # The opening tag was in the prompt's template: all up to the closing one is thinking.
        ('So I should move_to(0, 0)\nmove_to(0, 0)\n</think>\n\nsay("Hi")', (Say("Hi"),)),
        # Cut off while still thinking: what came before stands, the rest is dropped.
        ('wait()\n<think>\nsay("hmm")', (Wait(),)),
        ("I think so.\nwait()", (Wait(),)),  # the word alone is not a tag
    ],
)
def test_a_reasoning_models_thinking_is_never_acted_on(text: str, expected) -> None:
    result = parse_directives(text, who="Bo")
    assert result.directives == expected
    assert result.warnings == ()


def test_a_conversation_reply_after_thinking_is_the_line_said() -> None:
    reply = '<think>\nend_conversation()? No, be kind.\nend_conversation()\n</think>\nsay("Morning!")'
    assert parse_reply(reply, who="Bo") == (Say("Morning!"), ())
    assert not says_then_ends(reply)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Aye, the river's high today.", "Aye, the river's high today."),
        ('Bo: "Hello there!"', "Hello there!"),
        ("Bo said: Morning to you.", "Morning to you."),
        ("是的，小溪今天涨水了。", "是的，小溪今天涨水了。"),
        ("<think>be brief</think>\nFine day.", "Fine day."),
        ("Fine day.\nFor frogs.", "Fine day. For frogs."),
        ('{"action": "say", "text": "hi"}', None),  # JSON is not speech
        ("say(hello", None),  # a call gone wrong is not speech
        ("I think I will move_to (3, 4)", None),
        ("one\ntwo\nthree\nfour", None),  # more than a sentence or two
        ("...", None),
        ("", None),
    ],
)
def test_a_conversation_reply_in_plain_words_is_read_as_speech(text: str, said) -> None:
    from game.sim.directives import prose_line

    assert prose_line(text, speaker="Bo") == said
