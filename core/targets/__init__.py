"""The targets area of the core: its use cases and the rules they need."""
