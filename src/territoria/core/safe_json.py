"""JSON from outside (API bodies, imported files) with a bound on nesting depth.

Python's decoder recurses once per level: a body of 100 000 « [ » raised RecursionError, a
500 on every API endpoint. Real documents of the platform nest a handful of levels; 64 is
far above any of them and far below the interpreter's recursion limit.
"""

import json

MAX_DEPTH = 64


class JSONTooDeepError(ValueError):
    def __init__(self, max_depth: int):
        super().__init__(
            f"JSON trop imbriqué : au plus {max_depth} niveaux de listes ou d'objets sont acceptés."
        )


def too_deep(value, max_depth: int = MAX_DEPTH) -> bool:
    """Whether `value` nests lists/objects deeper than `max_depth` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, **kwargs):
    """`json.loads`, raising JSONTooDeepError (a ValueError) past `max_depth` levels."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONTooDeepError(max_depth) from None
    if too_deep(value, max_depth):
        raise JSONTooDeepError(max_depth)
    return value
