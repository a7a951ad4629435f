"""Data-breach response: cases, regulatory clocks, notices, compensation advice and drills."""
