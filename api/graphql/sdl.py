"""The schema in SDL: served at `GET /graphql/schema.graphql`, kept in `docs/schema.graphql`.

Schema-aware clients (code generators, gql, GraphiQL) read it; the `@cost` weights
that price an operation are in it. After changing the schema, regenerate the file:

    .venv/bin/python -m api.graphql.sdl
"""

import sys
from pathlib import Path

import strawberry

from core.config import Settings

SDL_FILE = Path(__file__).resolve().parents[2] / "docs" / "schema.graphql"
REGENERATE = ".venv/bin/python -m api.graphql.sdl"


def sdl(schema: strawberry.Schema) -> str:
    return schema.as_str() + "\n"


def main() -> None:
    from api.graphql.schema import build_schema

    SDL_FILE.write_text(sdl(build_schema(Settings(_env_file=None))), encoding="utf-8")
    sys.stdout.write(f"wrote {SDL_FILE}\n")


if __name__ == "__main__":
    main()
