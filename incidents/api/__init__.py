"""The incident REST API (docs/api.md): filing, reading, the lifecycle actions, and inbound hooks."""
