"""CRM clients: the protocol (base.py), the embedded core (embedded.py), Open311 (open311.py)."""
