"""Parity cases of an organization's configuration of a plugin."""

from typing import Any

from tests.api_client import Api
from tests.factories import Factory
from tests.parity.harness import Case, QueryCase, Twin, graphql_data

THRESHOLDS = {"bottleneck_share": 0.6, "runs_per_week": 5}


def _an_unconfigured_plugin(_factory: Factory, admin: Factory) -> Twin:
    """A loaded plugin the organization has not configured, claimed with an empty object:
    configuration is per organization, so each twin needs a plugin of its own."""
    api = admin.api
    for plugin in api.ok(api.get("/api/v1/plugins")):
        url = f"/api/v1/plugins/{plugin['name']}/config"
        if api.ok(api.get(url))["version"] == 0:
            claimed = api.ok(api.put(url, {}, if_match=0))
            return {"plugin": {"id": plugin["name"], "version": claimed["version"]}}
    raise AssertionError("every plugin is configured already")


def _plugin_config_of(api: Api, twin: Twin) -> Any:
    return api.ok(api.get(f"/api/v1/plugins/{twin['plugin']['id']}/config"))


def _configured_classifier(_factory: Factory, admin: Factory) -> Twin:
    url = "/api/v1/plugins/waste_rules/config"
    admin.api.ok(admin.api.put(url, THRESHOLDS, if_match=0))
    return {}


CASES: list[Case | QueryCase] = [
    Case(
        name="configure a plugin for the organization",
        rest=("PUT /api/v1/plugins/{name}/config",),
        graphql=("setPluginConfig",),
        arrange=_an_unconfigured_plugin,
        via_rest=lambda api, t: api.put(
            f"/api/v1/plugins/{t['plugin']['id']}/config",
            THRESHOLDS,
            if_match=t["plugin"]["version"],
        ),
        via_graphql=lambda api, t: graphql_data(
            api,
            "mutation($n: String!, $v: Int!, $c: JSON!) { setPluginConfig(name: $n, "
            "expectedVersion: $v, config: $c) { version } }",
            n=t["plugin"]["id"],
            v=t["plugin"]["version"],
            c=THRESHOLDS,
        ),
        observe=_plugin_config_of,
    ),
    QueryCase(
        name="an organization's configuration of a plugin",
        rest=("GET /api/v1/plugins/{name}/config",),
        graphql=("pluginConfig",),
        arrange=_configured_classifier,
        via_rest=lambda api, t: api.ok(api.get("/api/v1/plugins/waste_rules/config")),
        via_graphql=lambda api, t: graphql_data(
            api,
            'query { pluginConfig(name: "waste_rules") { plugin config effective version } }',
        )["pluginConfig"],
    ),
]
