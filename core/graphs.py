"""Small graph questions asked of maps and of backlog dependencies alike."""

from collections.abc import Collection, Hashable, Mapping
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def reaches(successors: Mapping[N, Collection[N]], start: N, goal: N) -> bool:
    """Whether a path of one edge or more leads from `start` to `goal`."""
    seen = {start}
    frontier = [start]
    while frontier:
        for next_node in successors.get(frontier.pop(), ()):
            if next_node == goal:
                return True
            if next_node not in seen:
                seen.add(next_node)
                frontier.append(next_node)
    return False
