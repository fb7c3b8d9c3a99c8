"""A clock tests move forward instead of waiting: `create_app(settings, clock=...)`."""

from datetime import UTC, datetime, timedelta


class ManualClock:
    """The real time plus however far a test has moved it on.

    Time still runs between calls, so rows keep the order they were written in; a
    test moves it by days or months in no time at all with `advance`.
    """

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, by: timedelta) -> None:
        if by < timedelta(0):
            raise ValueError("time only moves forward")
        self.offset += by

    def reset(self) -> None:
        self.offset = timedelta(0)
