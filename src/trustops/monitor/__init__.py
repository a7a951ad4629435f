"""System health: incidents and their timeline, and (later) probes, heartbeats and alert intake."""
