"""Everything that does not know which chat platform is in use."""
