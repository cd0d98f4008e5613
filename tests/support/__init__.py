"""Real parts for the tests and the benchmarks, in one place: free loopback ports, a real
collector process (`taskloom serve`), fresh PostgreSQL databases, an X server (Xvfb)."""
