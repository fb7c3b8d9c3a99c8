"""GraphQL for a kind of record that belongs to a parent, all alike: its list under the
parent and its mutations."""

from dataclasses import dataclass
from typing import Annotated, Any

import strawberry
from sqlmodel import SQLModel

from api.graphql.context import Info
from api.graphql.convert import input_type, list_of
from api.graphql.extensions import Savepoint
from api.graphql.foundation import parse_id
from api.graphql.inputs import Filters, to_model
from api.graphql.loaders import load_filtered
from core.services.children import ChildService


def children(
    loader: str, service: ChildService[Any], output: Any, *, description: str | None = None
) -> Any:
    """The parent's records of one kind, filtered by the kind's core filter as REST's
    collection is, loaded for every parent of the answer in one query (`loader` names it)."""

    async def resolve(parent: strawberry.Parent[Any], info: Info, filters: Any) -> list[Any]:
        return list(
            await load_filtered(info.context, loader, service.for_parents, filters, parent.id)
        )

    resolve.__annotations__["filters"] = service.filters
    return strawberry.field(
        resolver=resolve,
        graphql_type=list_of(output),
        description=description,
        extensions=[Filters(service.filters)],
    )


def mutation(**kwargs: Any) -> Any:
    """Every mutation runs in its own savepoint."""
    return strawberry.mutation(extensions=[Savepoint()], **kwargs)


@dataclass(frozen=True)
class ChildSpec:
    noun: str
    service: ChildService[Any]
    create_model: type[SQLModel]
    update_model: type[SQLModel]
    output: Any
    parent_argument: str = "valueStreamId"


def child_mutations(spec: ChildSpec) -> dict[str, Any]:
    """create/update/delete mutations for one kind of value-stream record."""
    title = spec.noun.title().replace("_", "")
    create_input = input_type(spec.create_model, f"{title}CreateInput")
    update_input = input_type(spec.update_model, f"{title}UpdateInput", partial=True)
    output = spec.output

    async def create(
        info: Info,
        parent_id: Annotated[strawberry.ID, strawberry.argument(name=spec.parent_argument)],
        input: Annotated[object, strawberry.argument(graphql_type=create_input)],
    ) -> SQLModel:
        data = to_model(spec.create_model, input)
        ident = parse_id(parent_id, spec.parent_argument)
        return await spec.service.create(info.context.session, info.context.actor, ident, data)

    async def update(
        info: Info,
        id: strawberry.ID,
        expected_version: int,
        input: Annotated[object, strawberry.argument(graphql_type=update_input)],
    ) -> SQLModel:
        patch = to_model(spec.update_model, input)
        return await spec.service.update(
            info.context.session,
            info.context.actor,
            parse_id(id),
            patch,
            expected_version=expected_version,
        )

    async def remove(info: Info, id: strawberry.ID, expected_version: int) -> strawberry.ID | None:
        await spec.service.delete(
            info.context.session,
            info.context.actor,
            parse_id(id),
            expected_version=expected_version,
        )
        return id

    return {
        f"create_{spec.noun}": mutation(resolver=create, graphql_type=output | None),
        f"update_{spec.noun}": mutation(resolver=update, graphql_type=output | None),
        f"delete_{spec.noun}": mutation(resolver=remove),
    }
