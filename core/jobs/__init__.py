"""Durable background jobs: queued in the transaction of the change that asks for them,
claimed by workers under a lease, retried with backoff, dead-lettered for a person.

Why our own and not a job library: the ones that fit Python either need a broker
(Redis, RabbitMQ) or serve PostgreSQL alone, while the service runs embedded on SQLite
too, and a job must commit or roll back with the change that caused it, which only a
table in the application's own database gives. The design is that of Oban, GoodJob and
solid_queue: one table, claims with `FOR UPDATE SKIP LOCKED` on PostgreSQL, and on
SQLite claims in its one write transaction at a time.
"""
