"""How clients see an export format: what to ask for, what it makes and who offers it."""

from collections.abc import Mapping

from pydantic import BaseModel, Field

from core.exports.exporters import Exporter


class ExporterDescriptor(BaseModel):
    """One export format a loaded plugin offers."""

    name: str = Field(description="The `format` to ask for.")
    media_type: str
    extension: str
    subjects: list[str] = Field(
        description="What it exports: value_stream, backlog, map, portfolio."
    )
    description: str
    plugin: str

    @classmethod
    def of(cls, exporter: Exporter) -> "ExporterDescriptor":
        return cls(
            name=exporter.name,
            media_type=exporter.media_type,
            extension=exporter.extension,
            subjects=sorted(exporter.subjects),
            description=exporter.description,
            plugin=exporter.plugin,
        )


def descriptors(exporters: Mapping[str, Exporter]) -> list[ExporterDescriptor]:
    """Every loaded format, in the order the plugins registered them."""
    return [ExporterDescriptor.of(e) for e in exporters.values()]
