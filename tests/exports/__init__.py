"""Tests of exports, imports and the readout."""
