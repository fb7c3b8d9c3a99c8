"""Tests of delivery records ingested from other tools and the flow metrics over them."""
