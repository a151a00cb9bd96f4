"""The incident REST API (DESIGN.md §4): filing, reading, the lifecycle actions, and inbound hooks."""
