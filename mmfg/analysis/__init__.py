"""Analysis utilities (benchmarking, complexity)."""
