"""The rules of onetime, free of HTTP and SQL: clock, values, settings, life cycle, errors."""
