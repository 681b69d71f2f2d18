"""However crowded the spot and long the memory, a decision prompt keeps to its budget."""

from __future__ import annotations

from simkit import talk_request

from game.brains.base import DecisionRequest
from game.brains.prompts import DECISION_BUDGET, decision_messages
from game.sim.directives import describe_directives
from game.world import Perception, Seen


def crowded_request(persona, memory: str) -> DecisionRequest:  # noqa: ANN001
    seen = tuple(
        Seen(f"Villager{c}", (10 + i % 3, 10 + i // 3), 1 + i // 8, "walking to the village square", False)
        for i, c in enumerate("ABCDEFGH")
    )
    perception = Perception(
        name=persona.name,
        pos=(11, 11),
        tile="grass",
        here="the village square",
        near=None,
        seen=seen,
        adjacent=tuple(s.name for s in seen),
        landmarks=(),
        vision_range=8,
        map_size=(200, 200),
    )
    return DecisionRequest(
        persona=persona,
        turn=42,
        perception=perception,
        places=tuple((f"the long-named landmark number {i}", (i, i)) for i in range(8)),
        heard=tuple(f'Villager{c}: "{persona.lines.small_talk[0]} And more besides."' for c in "ABCDEF"),
        memory=memory,
        directives_help=describe_directives(),
        unavailable=("VillagerA", "VillagerB", "VillagerC"),
        walking_to=(150, 150),
    )


def test_crowded_prompt_keeps_to_budget_and_newest_memory(real_content) -> None:
    memory = "\n".join(f"## Turn {i} at 11,11\n- Waited.\n- Saw: a crowd" for i in range(1, 40))
    for persona in real_content.npcs:
        messages = decision_messages(crowded_request(persona, memory))
        assert sum(len(m["content"]) for m in messages) <= DECISION_BUDGET, persona.name
        user = messages[1]["content"]
        assert "## Turn 39 at 11,11" in user  # the newest memory entry survives the cut
        assert "Next to you: VillagerA" in user and user.endswith("Your directives:")


def test_short_prompts_are_not_padded(real_content) -> None:
    messages = decision_messages(crowded_request(real_content.npcs[0], "## Turn 1 at 1,1\n- Waited."))
    assert sum(len(m["content"]) for m in messages) < DECISION_BUDGET
    assert "## Turn 1 at 1,1\n- Waited." in messages[1]["content"]


def test_the_prompts_read_as_plain_sentences(real_content) -> None:
    """Goals that end in a full stop are not joined as ".;", and one line left is 'line'."""
    from game.brains.prompts import conversation_messages
    from game.world import build_world

    npc = real_content.npcs[0].model_copy(update={"goals": ["Find the goat.", "Fix the roof."]})
    world = build_world(real_content)
    request = talk_request(npc, world, ("Bram", "Morning!"), partner="Bram", messages_left=1)
    text = "\n".join(message["content"] for message in conversation_messages(request))
    assert "Goals: Find the goat; Fix the roof." in text
    assert "At most 1 more line can be said." in text


def test_facts_written_in_other_scripts_are_found_by_the_words_asked(real_content) -> None:
    """Chinese has no spaces between words, so its facts never matched a question: the
    offline brain shrugged in English at "where is the ladle?" while knowing the answer."""
    from game.brains.prompts import relevant_knowledge

    persona = real_content.npcs[0].model_copy(
        update={
            "knowledge": [
                "小溪今天很清。",
                "我的勺子在小溪边丢了，可能是被狐狸叼走的。",
                "Мельница стоит у реки.",
                "The café by the mill sells honey cakes.",
            ]
        }
    )
    assert relevant_knowledge(persona, "勺子在哪里？", 2)[0].startswith("我的勺子")
    assert relevant_knowledge(persona, "Где мельница?", 1) == ["Мельница стоит у реки."]
    assert relevant_knowledge(persona, "Is the café open?", 1)[0].startswith("The café")


def test_a_villager_file_with_pages_of_text_still_fits_the_budget(real_content) -> None:
    """A description of 8,400 characters made a 9,100-character decision prompt: a prompt
    carries only the start of each long field."""
    long = "She remembers every flood the village has had, and tells of each at length. " * 110
    persona = real_content.npcs[0].model_copy(
        update={
            "description": long,
            "traits": ["patient beyond all measure"] * 30,
            "goals": [long[:400]] * 6,
            "knowledge": [long[:1500] + " the village square"] * 8,
        }
    )
    memory = "\n".join(f"## Turn {i} at 11,11\n- Waited.\n- Saw: a crowd" for i in range(1, 40))
    messages = decision_messages(crowded_request(persona, memory))
    assert sum(len(m["content"]) for m in messages) <= DECISION_BUDGET
    assert "She remembers every flood" in messages[0]["content"]
    assert len(messages[0]["content"]) < 1600
