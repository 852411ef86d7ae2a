"""Service layer: one module per functional area.  Functions take an AsyncSession,
flush but never commit -- committing is the caller's job (API route or job)."""
