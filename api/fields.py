"""Domain field names as a transport's parameters name them.

The core names what a client got wrong in the domain's words: a batch of work items
is `work_items` (`work_items[3].finished`), a page's size `page_size`. Each transport
calls them what its clients send: REST's body holds `items` and its query `limit`;
GraphQL's arguments are `items` and `first`. An error on its way out is renamed here,
in its field problems and in the messages that quote them.
"""

import copy
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from core.errors import DomainError, FieldProblem


def renamed(error: DomainError, names: Mapping[str, str]) -> DomainError:
    """The same error with each domain name in `names` replaced where it names a field.

    A problem's field is renamed when it is the name or a path under it; the messages
    are renamed where they quote a path into it (`repeats work_items[0].external_id`).
    """
    if not names:
        return error
    alternatives = "|".join(re.escape(name) for name in names)
    field = re.compile(rf"^({alternatives})(?=[\[.]|$)")
    quoted = re.compile(rf"(?<![\w.\[])({alternatives})(?=\[)")

    def rename(pattern: re.Pattern[str], text: str) -> str:
        return pattern.sub(lambda match: names[match.group(1)], text)

    answer = copy.copy(error)
    answer.problems = [
        FieldProblem(rename(field, p.field), rename(quoted, p.message), p.allowed)
        for p in error.problems
    ]
    answer.detail = rename(quoted, error.detail)
    answer.args = (answer.detail,)
    return answer


@contextmanager
def fields_named(names: Mapping[str, str]) -> Iterator[None]:
    """Rename the domain fields of any domain error raised inside, for this transport."""
    try:
        yield
    except DomainError as error:
        raise renamed(error, names) from error
