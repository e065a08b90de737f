"""Benchmarks: numbers, not asserts.

``python -m bench`` runs the end-to-end benchmark of the three services on a real Kafka broker,
the bare-aiokafka baseline on the same broker, latency at fixed offered loads and the replay of
reporting's projection, and prints one table. ``docs/performance.md`` says what each number
means and how to reproduce it.
"""
