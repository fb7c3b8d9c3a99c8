"""Exit 0 when the PostgreSQL server of a URL answers, 1 otherwise: `make test` asks first."""

import asyncio
import sys

from sqlalchemy import text

from core.db import make_oneshot_engine


async def _ping(url: str) -> bool:
    engine = make_oneshot_engine(url)
    try:
        async with asyncio.timeout(5), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to connect means "not available", which is the question
        return False
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(_ping(sys.argv[1])) else 1)
