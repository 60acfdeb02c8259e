"""Local simulators of external services, for development and tests (may use Litestar)."""
