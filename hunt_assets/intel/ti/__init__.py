"""Threat-intel enrichment: providers, a persistent TTL cache and an async fan-out engine."""
