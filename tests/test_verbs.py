"""Directive verbs are declared once: parsing, prompt help and handler side by side.

A verb lacking any of the three is refused or caught here, and a verb added in a test
module alone is read from a model's answer, offered in the prompt and acted on.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from llm_server import LLMServer, Reply
from simkit import is_conversation, log_text, loopback_brain, make_sim, npc_of, run

from game.sim import messages as m
from game.sim.directives import parse_directives
from game.sim.verbs import (
    REGISTRY,
    BaseDirective,
    DirectiveError,
    describe_directives,
    lacks,
    register,
)

if TYPE_CHECKING:
    from game.sim.simulation import Simulation


def verb_problems(cls: type[BaseDirective]) -> list[str]:
    """What keeps ``cls`` from being a whole verb: read, offered in the prompt, acted on."""
    problems = [f"no {part}" for part in lacks(cls)]
    if "handler" not in lacks(cls) and not inspect.iscoroutinefunction(cls.perform):
        problems.append("perform is not async: the turn awaits it")
    return problems


# ---- every verb is whole ---------------------------------------------------------------


@pytest.mark.parametrize("verb", list(REGISTRY))
def test_every_registered_verb_has_its_parsing_help_line_and_handler(verb: str) -> None:
    cls = REGISTRY[verb]
    assert verb_problems(cls) == []
    assert cls.name == verb
    assert cls.help_line() in describe_directives().splitlines()


def test_the_prompt_lists_the_verbs_as_before() -> None:
    """The decision prompt's list of directives, word for word as before the verbs moved."""
    assert describe_directives() == (
        "move_to(x, y) - walk towards the tile at column x, row y (whole numbers)\n"
        "say(message) - say the message out loud; everyone nearby hears it\n"
        "wait() - do nothing this turn\n"
        "start_conversation_with(Name, message) - start talking with Name (who must be next "
        "to you) by saying message; ends your turn\n"
        "end_conversation() - leave the conversation you are in"
    )


def _fake(verb: str, *, parse: bool = True, help_line: bool = True, handler: bool = True):
    """A verb class with some of its parts left out."""
    body: dict[str, object] = {"name": verb}
    if help_line:
        body["usage"], body["help"] = f"{verb}()", f"{verb} a little"
    if parse:
        body["from_args"] = classmethod(lambda cls, raw: cls())
        body["render"] = lambda self: f"{verb}()"
    if handler:
        async def perform(self: BaseDirective, sim: Simulation, name: str) -> None:
            sim.act_line(name, verb)

        body["perform"] = perform
    return dataclass(frozen=True)(type(verb.title(), (BaseDirective,), body))


def test_a_verb_without_its_parsing_or_help_line_is_refused_at_registration() -> None:
    for verb, cls, missing in [
        ("hop", _fake("hop", parse=False), "parse"),
        ("skip", _fake("skip", help_line=False), "help"),
        ("jump", _fake("jump", parse=False, help_line=False), "parse and help"),
    ]:
        with pytest.raises(ValueError, match=f"lacks its {missing}"):
            register(cls)
        assert verb not in REGISTRY
    bad_usage = _fake("twirl")
    bad_usage.usage = "spin()"  # the prompt would offer a verb the parser does not know
    with pytest.raises(ValueError, match="lacks its help"):
        register(bad_usage)
    assert "twirl" not in REGISTRY


def test_a_verb_without_its_handler_is_caught() -> None:
    """The parser's own tests register verbs only to read them; among the game's verbs,
    one that could be read but never carried out is caught by the test above."""
    assert verb_problems(_fake("bow", handler=False)) == ["no handler"]
    assert verb_problems(_fake("bow")) == []

    @dataclass(frozen=True)
    class Nod(BaseDirective):
        name = "nod"
        usage = "nod()"
        help = "nod"

        @classmethod
        def from_args(cls, raw: str) -> Nod:
            return cls()

        def render(self) -> str:
            return "nod()"

        def perform(self, sim: Simulation, name: str) -> None:  # type: ignore[override]
            sim.act_line(name, "nods")

    assert verb_problems(Nod) == ["perform is not async: the turn awaits it"]


# ---- adding a verb is one class ------------------------------------------------------


@dataclass(frozen=True)
class Wave(BaseDirective):
    """Wave at whoever can see you: the whole of a new verb."""

    name = "wave"
    usage = "wave()"
    help = "wave at whoever can see you"

    @classmethod
    def from_args(cls, raw: str) -> Wave:
        if raw.strip():
            raise DirectiveError("wave takes no arguments")
        return cls()

    def render(self) -> str:
        return "wave()"

    async def perform(self, sim: Simulation, name: str) -> None:
        sim.world.entities[name].activity = "waving"
        sim.note(name, "- Waved.")
        sim.act_line(name, "waves")


@pytest.fixture
def wave() -> Iterator[type[Wave]]:
    register(Wave)
    try:
        yield Wave
    finally:
        REGISTRY.pop("wave", None)


def test_a_verb_added_as_one_class_is_offered_read_and_acted_on(
    wave: type[Wave], tiny_content, tmp_path
) -> None:
    def respond(request):
        if is_conversation(request):
            return Reply(content="end_conversation()")
        return Reply(content="- wave()" if npc_of(request) == "Ada" else "wait()")

    with LLMServer(respond) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
        prompts = [str(r["messages"]) for r in server.requests if npc_of(r) == "Ada"]
    assert prompts and all("wave() - wave at whoever can see you" in p for p in prompts)
    assert "[T1] Ada waves" in rec.acted()
    assert "[T1] Bjorn waits" in rec.acted()
    assert sim.world.entities["Ada"].activity == "waving"
    assert "- Waved." in log_text(sim, "Ada")
    assert not [w for w in sim.warnings if "Ada" in w]
    assert not rec.of(m.Notice)


def test_a_verb_taken_away_is_no_longer_read(wave: type[Wave]) -> None:
    assert parse_directives("wave()", who="Ada").directives == (Wave(),)
    REGISTRY.pop("wave")
    result = parse_directives("wave()", who="Ada")
    assert result.directives == ()
    assert result.warnings == ("Ada: skipped \"wave()\": unknown directive 'wave'",)
    assert "wave" not in describe_directives()


# ---- what the verbs do -----------------------------------------------------------------


def test_end_conversation_alone_outside_a_talk_waits_and_says_why(tiny_content, tmp_path) -> None:
    answers = {"Ada": "end_conversation()", "Bjorn": "end_conversation()\nwait()"}

    def respond(request):
        if is_conversation(request):
            return Reply(content="end_conversation()")
        return Reply(content=answers.get(npc_of(request), "wait()"))

    with LLMServer(respond) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    acted = rec.acted()
    assert "[T1] Ada waits: its one directive, end_conversation(), had no talk to end" in acted
    assert "Ada: only end_conversation() outside a conversation; waiting" in sim.warnings
    assert "- Had no conversation to end, so I waited." in log_text(sim, "Ada")
    # Beside another directive it is accepted and ignored: Bjorn just waits.
    assert "[T1] Bjorn waits" in acted
    assert not [w for w in sim.warnings if w.startswith("Bjorn")]
