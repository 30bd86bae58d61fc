"""Figure "escape": contract.yaml, train.py (torch), claims.py (no torch), figure.py, caption.rst."""
