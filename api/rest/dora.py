"""REST for an organization's DORA benchmark: the thresholds of the performance tiers."""

from litestar import Controller, Response, delete, get, put
from sqlmodel.ext.asyncio.session import AsyncSession

from api.rest.common import versioned
from core.actor import Actor
from core.delivery import dora_benchmark as benchmarks
from core.metrics.dora_tiers import TIER_RULE, DoraBenchmark
from core.services.crud import ExpectedVersion


def _out(setting: benchmarks.DoraBenchmarkSetting) -> Response[benchmarks.DoraBenchmarkSetting]:
    return versioned(setting, setting.version)


class DoraBenchmarkController(Controller):
    """The thresholds the flow report's DORA performance tiers are taken by."""

    path = "/dora-benchmark"
    tags = ["delivery"]

    @get(
        summary="The organization's DORA benchmark (the 2023 report's until replaced); ETag "
        "version",
        description=TIER_RULE,
    )
    async def get_dora_benchmark(
        self, session: AsyncSession, actor: Actor
    ) -> Response[benchmarks.DoraBenchmarkSetting]:
        return _out(await benchmarks.get_benchmark(session, actor))

    @put(
        summary='Replace the DORA benchmark (admin; If-Match, "0" before any was stored)',
        description="Each metric's bounds run from best to worst, in its unit: deployments "
        "per day (elite above high above medium), seconds for the lead time for changes and "
        "the time to restore, a ratio from 0 to 1 for the change failure rate (elite below "
        "high below medium).",
    )
    async def replace_dora_benchmark(
        self,
        session: AsyncSession,
        actor: Actor,
        data: DoraBenchmark,
        expected_version: ExpectedVersion,
    ) -> Response[benchmarks.DoraBenchmarkSetting]:
        setting = await benchmarks.replace_benchmark(
            session, actor, data, expected_version=expected_version
        )
        return _out(setting)

    @delete(
        status_code=200,
        summary="Go back to the default DORA benchmark (admin; If-Match); the version keeps "
        "counting",
    )
    async def reset_dora_benchmark(
        self, session: AsyncSession, actor: Actor, expected_version: ExpectedVersion
    ) -> Response[benchmarks.DoraBenchmarkSetting]:
        return _out(
            await benchmarks.reset_benchmark(session, actor, expected_version=expected_version)
        )
