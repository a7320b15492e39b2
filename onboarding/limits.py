"""Upload limits the pages check before reading a body (no map library imported to know them)."""

MAX_BYTES = 20 * 1024 * 1024  # village boundary files
