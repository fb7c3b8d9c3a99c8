"""The GraphQL unit of work, per-mutation savepoints, and error codes."""

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

from graphql import ExecutionResult, GraphQLError
from pydantic import ValidationError as PydanticValidationError
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.types.execution import ParseOptions
from strawberry.types.graphql import OperationType

from api.graphql.context import Context
from core.db_errors import as_outage
from core.errors import DomainError, Unavailable
from core.foundation import idempotency
from core.memo import attach
from core.services.context import Work

logger = logging.getLogger("valuestream.graphql")


class UnitOfWork(SchemaExtension):
    """One unit of work per operation: a read unit for queries, a write one for mutations.

    strawberry answers resolver errors with HTTP 200 and a partial result, so "commit
    unless an exception" would commit a failed mutation. Each mutation therefore runs in
    its own savepoint (`Savepoint`), and the operation commits what succeeded. The
    Idempotency-Key of a mutation is claimed in the unit and its answer kept just before
    the unit commits.
    """

    async def on_execute(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        write = self.execution_context.operation_type == OperationType.MUTATION
        assert context.state is not None
        work = Work.open(
            context.state.database,
            context.state.settings,
            context.actor,
            write=write,
            serialized=True,
        )
        context.work = work
        async with work.unit as session:
            attach(session, context.memo)
            if write:
                await self._claim(context, work)
            yield

    async def _claim(self, context: Context, work: Work) -> None:
        """A mutation sent with an Idempotency-Key header answers a retry from the record.

        The key covers the whole operation: its document, variables and name. A stored
        answer is put in place of executing, which strawberry then skips.
        """
        request = context.request
        raw = request.headers.get("idempotency-key") if request is not None else None
        if raw is None:
            return
        key = idempotency.check_key(raw.strip())
        run = self.execution_context
        operation = idempotency.fingerprint(
            "GRAPHQL",
            run.query or "",
            json.dumps(run.variables or {}, sort_keys=True, default=str),
            run.operation_name or "",
        )
        retention = timedelta(hours=work.settings.idempotency_retention_hours)
        stored = await idempotency.claim(
            work.session, work.actor, key, operation, retention=retention
        )
        if stored is None:
            work.unit.before_commit(lambda: self._keep(work, key))
            return
        answer = json.loads(stored.body)
        run.result = ExecutionResult(
            data=answer.get("data"),
            errors=[
                GraphQLError(e["message"], path=e.get("path"), extensions=e.get("extensions"))
                for e in answer.get("errors", [])
            ]
            or None,
        )
        context.replayed = True

    async def _keep(self, work: Work, key: str) -> None:
        result = self.execution_context.result
        if result is None:
            return
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [coded(error).formatted for error in result.errors]
        await idempotency.record_answer(
            work.session,
            work.actor,
            key,
            status_code=200,
            headers={"content-type": "application/json"},
            body=json.dumps(answer, default=str).encode(),
        )


class StrictGrammar(SchemaExtension):
    """`{ me { a { } } }` is a syntax error, as the GraphQL grammar says.

    graphql-core 3.3 still parses empty selection sets by default (deprecated), and
    they then crashed the depth limiter: INTERNAL instead of GRAPHQL_PARSE_FAILED.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options = _GrammarOptions(
            **context.parse_options, allow_empty_selection_sets=False
        )
        yield


class _GrammarOptions(ParseOptions, total=False):
    """The graphql-core parser option strawberry's own options leave out."""

    allow_empty_selection_sets: bool


class Savepoint(FieldExtension):
    """A failing mutation leaves nothing half-written, whatever its siblings do."""

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        session = info.context.session
        async with session.begin_nested():
            return await next_(source, info, **kwargs)


ARGUMENTS = {"cursor": "after", "page_size": "first"}
"""The services speak the domain's paging words; GraphQL clients know these arguments."""


def _code_for(error: GraphQLError) -> tuple[str, dict[str, Any]]:
    original = error.original_error
    if isinstance(original, DomainError):
        extra: dict[str, Any] = dict(original.extra)
        if original.problems:
            extra["fields"] = [
                {**p.as_dict(), "field": ARGUMENTS.get(p.field, p.field)} for p in original.problems
            ]
        if isinstance(original, Unavailable):
            extra["retryAfter"] = original.retry_after
        return original.code, extra
    if isinstance(original, PydanticValidationError):
        fields = [
            {"field": ".".join(str(part) for part in err["loc"]), "message": err["msg"]}
            for err in original.errors()
        ]
        return "VALIDATION_FAILED", {"fields": fields}
    variable = BAD_VARIABLE.match(error.message)
    if variable is not None:
        return "VALIDATION_FAILED", {
            "fields": [{"field": variable["name"], "message": variable["why"]}]
        }
    if original is None:
        if error.message.startswith("Syntax Error"):
            return "GRAPHQL_PARSE_FAILED", {}
        return "GRAPHQL_VALIDATION_FAILED", {}
    return "INTERNAL", {}


BAD_VARIABLE = re.compile(
    r"Variable '\$(?P<name>\w+)' (?:got|has) invalid value\b:? ?(?P<why>.*)", re.S
)
"""graphql-core's words for a variable its type refuses (an Int past 32 bits, a NaN)."""


SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)


def coded(error: GraphQLError) -> GraphQLError:
    """The error with `extensions.code`; unexpected ones logged and masked, hints removed.

    graphql-core appends "Did you mean ...?" to unknown arguments and enum values even
    with field suggestions off; a schema we do not publish should not leak that way.
    """
    if error.extensions and "code" in error.extensions:
        return error
    if error.original_error is not None and not isinstance(error.original_error, DomainError):
        outage = as_outage(error.original_error)
        if outage is not None:
            logger.warning("database outage in GraphQL: %s", outage.detail)
            error = GraphQLError(
                outage.detail, error.nodes, error.source, error.positions, error.path, outage
            )
    code, extra = _code_for(error)
    message = SUGGESTION.sub("", error.message)
    original = error.original_error
    if code == "INTERNAL":
        logger.error("unhandled GraphQL error", exc_info=original)
        message = "internal server error; it has been logged"
        original = None
    elif isinstance(original, PydanticValidationError):
        message = "; ".join(f"{f['field']}: {f['message']}" for f in extra["fields"])
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions={**(error.extensions or {}), "code": code, **extra},
    )
