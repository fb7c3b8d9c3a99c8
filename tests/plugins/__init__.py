"""Tests of the plugin seam: loading, disabling, hooks and per-organization configuration."""
