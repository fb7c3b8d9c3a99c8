"""The people and teams a document names, found in the caller's organization or created.

A person's id means nothing outside the organization that exported it, so people are
matched by email and teams by name; whoever is missing is created, and every reference
of the document then points at this organization's row.
"""

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core.actor import Actor
from core.exports.importing.rows import IdMap
from core.exports.snapshots import PersonRef, TeamRef
from core.models.person import Person
from core.models.team import Team
from core.services import crud


async def match_people(
    session: AsyncSession, actor: Actor, people: list[PersonRef], ids: IdMap
) -> None:
    """A person without an email can be matched to no one, so is always created."""
    emails = [p.email for p in people if p.email]
    existing = (
        {
            p.email: p
            for p in await session.exec(
                crud.scoped(Person, actor).where(col(Person.email).in_(emails))
            )
        }
        if emails
        else {}
    )
    for ref in people:
        match = existing.get(ref.email) if ref.email else None
        if match is None:
            match = await crud.create(
                session, actor, Person, {"name": ref.name, "email": ref.email, "title": ref.title}
            )
        ids.set("person", ref.id, match.id)


async def match_teams(
    session: AsyncSession, actor: Actor, teams: list[TeamRef], ids: IdMap
) -> None:
    """A team is known by its name within an organization; a name not found is created."""
    names = [t.name for t in teams]
    existing = (
        {
            t.name: t
            for t in await session.exec(crud.scoped(Team, actor).where(col(Team.name).in_(names)))
        }
        if names
        else {}
    )
    for ref in teams:
        team = existing.get(ref.name) or await crud.create(session, actor, Team, {"name": ref.name})
        ids.set("team", ref.id, team.id)
