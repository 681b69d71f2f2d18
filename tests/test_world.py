"""World rules: collision, occupancy, adjacency, paths, perception."""

from __future__ import annotations

from game.world import PLAYER_NAME, Entity, Facing, World, build_world
from game.world.world import Perception, Seen


def test_spawns_placed(tiny_content) -> None:
    world = build_world(tiny_content)
    assert world.get(PLAYER_NAME).pos == (1, 1)
    assert world.get("Ada").pos == (5, 1)
    assert world.check_invariants() == []


def test_walls_water_trees_and_people_block(tiny_content) -> None:
    world = build_world(tiny_content)
    # the player at (1, 1): a tree above, tree to the left
    assert not world.step(PLAYER_NAME, Facing.UP)
    assert not world.step(PLAYER_NAME, Facing.LEFT)
    assert world.get(PLAYER_NAME).facing == Facing.LEFT  # turned even though blocked
    assert world.step(PLAYER_NAME, Facing.DOWN)
    assert world.get(PLAYER_NAME).pos == (1, 2)
    # wall at (2, 2)
    result = world.step(PLAYER_NAME, Facing.RIGHT)
    assert not result and "wall" in result.reason
    # Ada (5,1) next to Bjorn (6,1): cannot walk into him
    result = world.step("Ada", Facing.RIGHT)
    assert not result and "Bjorn" in result.reason
    assert world.get("Ada").pos == (5, 1)
    # water at (7..8, 4..5): Cora at (9, 6) walks up to (9, 5); a step left is into water
    assert world.step("Cora", Facing.UP)
    result = world.step("Cora", Facing.LEFT)
    assert not result and "water" in result.reason
    assert world.get("Cora").pos == (9, 5)
    assert world.check_invariants() == []


def test_cannot_leave_the_map_or_jump(tiny_content) -> None:
    world = build_world(tiny_content)
    assert not world.step_to("Ada", (5, 3))  # two tiles away
    assert not world.step_to("Ada", (6, 2))  # diagonal: 4-connected movement
    assert not world.can_enter((-1, 0))
    assert not world.can_enter((0, 99))


def test_occupancy_never_doubles(tiny_content) -> None:
    world = build_world(tiny_content)
    assert not world.add(Entity("Ghost", (5, 1)))  # Ada stands there
    assert not world.add(Entity("Fish", (7, 4)))  # water
    assert world.add(Entity("Dora", (3, 3)))  # inside the hut, on floor
    assert world.occupant((3, 3)) == "Dora"
    assert world.check_invariants() == []


def test_adjacency_includes_diagonals(tiny_content) -> None:
    world = build_world(tiny_content)
    assert world.adjacent("Ada", "Bjorn")
    world.add(Entity("Dora", (6, 2)))
    assert world.adjacent("Ada", "Dora")  # diagonal
    assert not world.adjacent("Ada", "Cora")
    assert not world.adjacent("Ada", "Ada")
    assert sorted(world.neighbours_of("Ada")) == ["Bjorn", "Dora"]


def test_shortest_path_goes_around_walls_and_water(tiny_content) -> None:
    world = build_world(tiny_content)
    path = world.find_path((1, 2), (3, 3))  # into the hut, only through the door at (4, 3)
    assert path is not None
    assert path[-1] == (3, 3)
    assert (4, 3) in path
    for a, b in zip([(1, 2), *path], path):
        assert abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1
        assert world.grid.walkable(b)
    assert len(path) == 11  # down to (1,5), east to (5,5), up to (5,3), in by the door
    assert world.find_path((1, 2), (7, 4)) is None  # water
    assert world.find_path((1, 2), (1, 2)) == []


def test_people_block_paths_unless_asked(tiny_content) -> None:
    world = build_world(tiny_content)
    world.add(Entity("Door", (4, 3)))  # someone stands in the doorway
    assert world.find_path((1, 2), (3, 3)) is None
    assert world.find_path((1, 2), (3, 3), through_entities=True) is not None


def test_perception_sees_within_range_nearest_first(tiny_content) -> None:
    world = build_world(tiny_content)
    p = world.perceive("Ada")
    assert p.pos == (5, 1)
    names = [s.name for s in p.seen]
    assert names[0] == "Bjorn"
    assert set(names) == {"Bjorn", "Cora", PLAYER_NAME}
    assert p.adjacent == ("Bjorn",)
    assert any(name == "the hut" for name, _ in p.landmarks)
    world.entities["Ada"].vision_range = 1
    p = world.perceive("Ada")
    assert [s.name for s in p.seen] == ["Bjorn"]
    # Every field in its place (perception builds both named tuples field by field).
    assert p._asdict() == {
        "name": "Ada",
        "pos": (5, 1),
        "tile": "grass",
        "here": None,
        "near": p.near,
        "seen": (Seen("Bjorn", (6, 1), 1, "standing about", False),),
        "adjacent": ("Bjorn",),
        "landmarks": p.landmarks,
        "vision_range": 1,
        "map_size": (12, 8),
    }
    assert isinstance(p, Perception) and isinstance(p.seen[0], Seen)


def test_perception_names_the_place(tiny_content) -> None:
    world = build_world(tiny_content)
    world.add(Entity("Dora", (3, 3)))
    assert world.perceive("Dora").here == "the hut"
    assert world.describe_place((3, 3)) == "the hut"
    assert world.describe_place((6, 5)) == "near the pond"


def test_spatial_index_follows_moves() -> None:
    from game.world.grid import Grid, TileKind

    grass = TileKind(".", "grass", True)
    world = World(Grid("big", [[grass] * 100 for _ in range(100)], []))
    for i in range(50):
        world.add(Entity(f"N{i}", (i * 2, i * 2)))
    assert {e.name for e in world.near((50, 50), 3)} == {"N24", "N25", "N26"}
    world.step("N25", Facing.RIGHT)
    world.step("N25", Facing.RIGHT)
    world.step("N25", Facing.RIGHT)
    assert {e.name for e in world.near((50, 50), 1)} == set()
    assert {e.name for e in world.near((53, 50), 0)} == {"N25"}
    assert world.check_invariants() == []
