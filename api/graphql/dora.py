"""GraphQL for an organization's DORA benchmark, and the types of the tiers it gives.

The flow report (`api.graphql.delivery`) shows each bucket's tiers and the benchmark
they were taken by with the types made here.
"""

from inspect import cleandoc
from typing import Annotated

import strawberry

from api.graphql.children import mutation
from api.graphql.context import Info
from api.graphql.convert import input_type, output_type
from api.graphql.inputs import plain
from core.delivery import dora_benchmark as benchmarks
from core.metrics.dora_tiers import TIER_RULE, DoraBenchmark, DoraTiers, TierBounds

TierBoundsType = output_type(
    TierBounds, "DoraTierBounds", description=cleandoc(TierBounds.__doc__ or "")
)
DoraBenchmarkType = output_type(
    DoraBenchmark, "DoraBenchmark", description=cleandoc(DoraBenchmark.__doc__ or "")
)
DoraBenchmarkSettingType = output_type(
    benchmarks.DoraBenchmarkSetting,
    "DoraBenchmarkSetting",
    description=benchmarks.DoraBenchmarkSetting.__doc__,
)
DoraTiersType = output_type(DoraTiers, "DoraTiers", description=DoraTiers.__doc__)
TierBoundsInput = input_type(TierBounds, "DoraTierBoundsInput")
DoraBenchmarkInput = input_type(DoraBenchmark, "DoraBenchmarkInput")


@strawberry.type
class Query:
    @strawberry.field(
        graphql_type=DoraBenchmarkSettingType | None,
        description="The organization's DORA benchmark, the thresholds of the flow report's "
        f"performance tiers (the 2023 report's until replaced). {TIER_RULE}",
    )
    async def dora_benchmark(self, info: Info) -> benchmarks.DoraBenchmarkSetting:
        return await benchmarks.get_benchmark(info.context.session, info.context.actor)


@strawberry.type
class Mutation:
    @mutation(
        graphql_type=DoraBenchmarkSettingType | None,
        description="Admin only. Replace the organization's DORA benchmark; expectedVersion 0 "
        "before any was stored. Each metric's bounds run from best to worst in its unit.",
    )
    async def replace_dora_benchmark(
        self,
        info: Info,
        expected_version: int,
        benchmark: Annotated[object, strawberry.argument(graphql_type=DoraBenchmarkInput)],
    ) -> benchmarks.DoraBenchmarkSetting:
        return await benchmarks.replace_benchmark(
            info.context.session,
            info.context.actor,
            plain(benchmark),
            expected_version=expected_version,
        )

    @mutation(
        graphql_type=DoraBenchmarkSettingType | None,
        description="Admin only. Go back to the default DORA benchmark; the version keeps "
        "counting.",
    )
    async def reset_dora_benchmark(
        self, info: Info, expected_version: int
    ) -> benchmarks.DoraBenchmarkSetting:
        return await benchmarks.reset_benchmark(
            info.context.session, info.context.actor, expected_version=expected_version
        )
