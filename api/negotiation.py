"""Content negotiation: the exporter a request asks for by `format` or by its Accept header.

The Accept header is HTTP's; the core chooses an exporter only by name or by the
subject's default format, and this module puts the header's wishes in between.
"""

from core.exports.exporters import Exporter, choose, fitting


def exporter_for(
    exporters: dict[str, Exporter], subject: str, *, name: str | None, accept: str | None
) -> Exporter:
    """By `format` name, else by the Accept header, else the subject's default format."""
    if not name:
        offered = fitting(exporters, subject).values()
        for media in accepted_media_types(accept):
            for exporter in offered:
                if media == exporter.media_type:
                    return exporter
    return choose(exporters, subject, name=name)


def accepted_media_types(accept: str | None) -> list[str]:
    """Media types of an Accept header, by quality, without wildcards."""
    if not accept:
        return []
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media and "*" not in media and quality > 0:
            ranked.append((-quality, position, media))
    return [media for _q, _p, media in sorted(ranked)]
