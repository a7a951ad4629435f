"""The HTTP adapter: JSON API, public endpoints and the server-rendered dashboard."""
