"""The GraphQL schema: each area's Query and Mutation merged into one, limits built once."""

from http import HTTPStatus
from typing import Any

import msgspec
import strawberry
from cross_web import HTTPException
from graphql import ASTValidationRule, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from litestar import Controller, MediaType, Request, Response, get
from litestar.exceptions import NotFoundException
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.litestar import make_graphql_controller
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from api.assets import graphiql_page
from api.graphql import (
    backlog,
    delivery,
    dora,
    engagement,
    exports,
    foundation,
    jobs,
    maps,
    plugins,
    portfolio,
    schedules,
    webhooks,
    workflow,
)
from api.graphql.context import Context
from api.graphql.cost import CostLimit, Pricing
from api.graphql.execution import Execution
from api.graphql.extensions import StrictGrammar, UnitOfWork, coded
from api.graphql.nul import NoNulInLiterals, NoNulInVariables
from api.graphql.sdl import sdl
from api.load import COSTLY
from core.config import Settings

QUERIES: tuple[type, ...] = (
    foundation.Query,
    engagement.Query,
    workflow.Query,
    portfolio.Query,
    maps.Query,
    backlog.Query,
    delivery.Query,
    dora.Query,
    exports.Query,
    jobs.Query,
    webhooks.Query,
    schedules.Query,
    plugins.Query,
)
MUTATIONS: tuple[type, ...] = (
    foundation.Mutation,
    engagement.Mutation,
    workflow.Mutation,
    engagement.ChildMutation,
    maps.Mutation,
    maps.MapChildMutation,
    backlog.Mutation,
    backlog.BacklogChildMutation,
    delivery.Mutation,
    dora.Mutation,
    jobs.Mutation,
    webhooks.Mutation,
    schedules.Mutation,
    plugins.Mutation,
)


class Schema(strawberry.Schema):
    """Every error leaves with `extensions.code`, whichever stage raised it.

    Conversion happens here rather than in an extension because parse errors (raised
    in the parser cache) never reach an extension's operation hook. Only errors coded
    INTERNAL are logged: client mistakes are answers, not incidents.
    """

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        result = await super().execute(*args, **kwargs)
        if result.errors:
            result.errors = [coded(error) for error in result.errors]
            context = kwargs.get("context_value")
            if isinstance(context, Context):
                context.retry_after = _unavailable_for(result)
        return result

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None


OUTAGES = frozenset(
    {"DATABASE_UNAVAILABLE", "DATABASE_READ_ONLY", "STORAGE_FULL", "SERVICE_UNAVAILABLE"}
)


def _unavailable_for(result: Any) -> int | None:
    """Seconds to wait when an outage cost the whole answer; None when anything came back.

    A partial answer stays a 200 with its errors, as GraphQL wants; an answer with
    nothing in it because the database is away is a 503 with Retry-After, like REST's.
    """
    waits = [
        int(error.extensions.get("retryAfter", 1))
        for error in result.errors
        if (error.extensions or {}).get("code") in OUTAGES
    ]
    data = result.data or {}
    if not waits or any(value is not None for value in data.values()):
        return None
    return max(waits)


def build_schema(settings: Settings) -> strawberry.Schema:
    """Validation rules are built once here: rebuilding them per request defeats the cache."""
    rules: list[type[ASTValidationRule]] = [
        max_depth_rule(settings.graphql_max_depth, None, None),
        max_aliases_rule(settings.graphql_max_aliases),
        NoNulInLiterals,
    ]
    if not settings.graphql_introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    frozen_rules = list(rules)
    pricing: list[Pricing] = []
    schema = Schema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        extensions=[
            lambda: AddValidationRules(frozen_rules),
            lambda: MaxTokensLimiter(settings.graphql_max_tokens),
            StrictGrammar,
            ParserCache,
            ValidationCache,
            NoNulInVariables,
            lambda: CostLimit(pricing[0], settings.graphql_max_cost),
            UnitOfWork,
        ],
        config=StrawberryConfig(disable_field_suggestions=True),
        execution_context_class=Execution,
    )
    pricing.append(Pricing(schema._schema))
    return schema


async def _context(request: Request[Any, Any, Any]) -> Context:
    return Context(state=request.app.state.vsm, actor_or_none=request.user)


GRAPHIQL_PAGE = graphiql_page()
"""GraphiQL from the service's own copies of its scripts, not from a CDN."""


def graphql_controller(settings: Settings) -> type[Controller]:
    base = make_graphql_controller(
        build_schema(settings),
        path="/graphql",
        graphql_ide="graphiql" if settings.graphql_graphiql else None,
        allow_queries_via_get=False,
        context_getter=_context,
    )

    # strawberry makes its controller class at run time, so mypy cannot see it as a base.
    class GraphQLController(base):  # type: ignore[valid-type,misc]
        """strawberry's controller, answering a body it cannot read with a coded 4xx,
        and the schema as SDL to the same callers that may introspect it."""

        include_in_schema = False  # GraphQL's contract is its SDL, not an OpenAPI operation
        opt = COSTLY

        @property
        def graphql_ide_html(self) -> str:
            return GRAPHIQL_PAGE

        @get("/schema.graphql", media_type="text/plain; charset=utf-8", sync_to_thread=False)
        def schema_sdl(self) -> str:
            if not settings.graphql_introspection:
                raise NotFoundException("introspection is turned off on this server")
            return sdl(self.schema)

        def encode_json(self, data: object) -> bytes:
            """msgspec, as Litestar encodes the REST answers: the standard library's encoder
            took a twentieth of the CPU of a portfolio of 50 streams."""
            return msgspec.json.encode(data)

        def decode_json(self, data: str | bytes) -> object:
            try:
                decoded = super().decode_json(data)
            except RecursionError as exc:
                raise HTTPException(400, "the request body is nested too deeply") from exc
            except UnicodeDecodeError as exc:
                raise HTTPException(400, "the request body is not UTF-8") from exc
            if not isinstance(decoded, dict | list):
                raise HTTPException(400, "the request body must be a JSON object with `query`")
            return decoded

        async def execute_request(
            self, request: Request[Any, Any, Any], context: Any, root_value: Any
        ) -> Response[Any]:
            try:
                response: Response[Any] = await self.run(
                    request, context=context, root_value=root_value
                )
            except HTTPException as exc:
                code = HTTPStatus(exc.status_code).name
                return Response(
                    {"errors": [{"message": exc.reason, "extensions": {"code": code}}]},
                    status_code=exc.status_code,
                    media_type=MediaType.JSON,
                )
            if isinstance(context, Context):
                if context.retry_after is not None:
                    response.status_code = 503
                    response.headers["Retry-After"] = str(context.retry_after)
                if context.replayed:
                    response.headers["Idempotent-Replayed"] = "true"
            return response

    return GraphQLController
