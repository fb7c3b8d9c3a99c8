"""Outbound webhooks: events of the catalogue, delivered to an organization's subscribers,
signed per the Standard Webhooks specification, through durable jobs."""
