"""Brand listening: mentions in, redacted, classified, counted into spikes and the impact matrix."""
