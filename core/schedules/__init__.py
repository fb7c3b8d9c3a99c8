"""Scheduled readouts: schedules, the ticks that come due, and their delivery by email,
into a directory, or to the organization's webhook subscribers."""
